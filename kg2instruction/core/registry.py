"""Stage registry: stage names in pipeline YAML resolve to classes here.

Stages register themselves with `@register_stage` when their module is imported; the built-in
ones live in `kg2instruction.stages` and are all imported by `load_builtin_stages()`. A pipeline
may list extra modules under `plugins:` to bring its own stages.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from typing import TypeVar

from kg2instruction.core.stage import Stage
from kg2instruction.errors import ConfigError

S = TypeVar("S", bound=type[Stage])

_STAGES: dict[str, type[Stage]] = {}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def register_stage(cls: S) -> S:
    """Class decorator: make a stage available by its `name`."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not _NAME.match(name):
        raise TypeError(f"{cls.__qualname__}: stage name must match {_NAME.pattern}, got {name!r}")
    if not hasattr(cls, "kind"):
        raise TypeError(f"{cls.__qualname__}: subclass MapStage, SourceStage, ReduceStage or "
                        "ArtifactStage, not Stage")
    existing = _STAGES.get(name)
    if existing is not None and stage_ref(existing) != stage_ref(cls):
        raise TypeError(f"stage name {name!r} registered twice: {stage_ref(existing)} "
                        f"and {stage_ref(cls)}")
    _STAGES[name] = cls
    return cls


def get_stage(name: str) -> type[Stage] | None:
    return _STAGES.get(name)


def registered_stages() -> dict[str, type[Stage]]:
    return dict(sorted(_STAGES.items()))


def stage_ref(cls: type[Stage]) -> str:
    """Importable reference `module:QualName`, so worker processes can find the class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def resolve_stage_ref(ref: str) -> type[Stage]:
    """Import the module of `ref` (registering its stages) and return the class."""
    module_name, _, qualname = ref.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Stage)):
        raise TypeError(f"{ref} is not a Stage class")
    return obj


def load_builtin_stages() -> None:
    """Import every module of `kg2instruction.stages` so their stages register."""
    import kg2instruction.stages as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")


def load_plugins(modules: list[str], source: str) -> None:
    """Import the pipeline's `plugins:` modules; a bad name is a config error, not a traceback."""
    for module in modules:
        if not _MODULE.match(module):
            raise ConfigError(f"plugin {module!r} is not a dotted module name", path=source,
                              key="plugins")
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"cannot import plugin module {module!r}: {exc}", path=source,
                              key="plugins") from None
