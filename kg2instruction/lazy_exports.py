"""Package `__init__` exports resolved on first use (PEP 562), not when the package is imported.

`import kg2instruction.core.manifest` runs `kg2instruction/core/__init__.py` first; if that file
imported its exports eagerly, every light submodule (and `kg2i --help`) would pay for pyarrow,
pydantic models or NER back-ends it never touches. A package lists `name -> module` instead and
the name is imported the first time someone reads it.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(`__getattr__`, `__dir__`) for `package`, importing `exports[name]` on first access."""
    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(importlib.import_module(package), name, value)   # later reads skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted(set(exports) | set(vars(importlib.import_module(package))))

    return __getattr__, __dir__
