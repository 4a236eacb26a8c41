"""Stage registry: stage names in pipeline YAML resolve to classes here.

Stages register themselves with `@register_stage` when their module is imported. A built-in stage
lives in `kg2instruction/stages/<its name>.py` and is imported when a pipeline first names it
(`find_stage`); a pipeline may list extra modules under `plugins:` to bring its own stages.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path
from typing import TypeVar

from kg2instruction.core.run_layout import RESERVED_RUN_DIRS
from kg2instruction.core.stage import Stage
from kg2instruction.errors import ConfigError

S = TypeVar("S", bound=type[Stage])

BUILTIN_PACKAGE = "kg2instruction.stages"
_STAGES: dict[str, type[Stage]] = {}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def register_stage(cls: S) -> S:
    """Class decorator: make a stage available by its `name`."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not _NAME.match(name):
        raise TypeError(f"{cls.__qualname__}: stage name must match {_NAME.pattern}, got {name!r}")
    if name in RESERVED_RUN_DIRS:
        raise TypeError(f"{cls.__qualname__}: stage name {name!r} is reserved for a folder of the "
                        f"run directory (reserved: {', '.join(sorted(RESERVED_RUN_DIRS))}); "
                        "choose another name")
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


def find_stage(name: str) -> type[Stage] | None:
    """The stage registered as `name`, importing `kg2instruction.stages.<name>` on first use.

    Built-in stages live in a module named after them, so a run imports only the stages it
    lists: a broken or heavy stage module never affects pipelines that do not use it."""
    if name not in _STAGES and _NAME.match(name) and name in builtin_stage_modules():
        importlib.import_module(f"{BUILTIN_PACKAGE}.{name}")
    return _STAGES.get(name)


def builtin_stage_modules() -> list[str]:
    """Names of the modules in `kg2instruction.stages` (not imported)."""
    package = importlib.import_module(BUILTIN_PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                  if not m.name.startswith("_"))


def known_stage_names() -> list[str]:
    return sorted(set(_STAGES) | set(builtin_stage_modules()))


def load_plugins(modules: list[str], source: str, project_dir: Path) -> None:
    """Import the pipeline's `plugins:` modules, searched after the installed packages and then
    in the project directory; a bad name is a config error, not a traceback."""
    if modules and str(project_dir) not in sys.path:
        sys.path.append(str(project_dir))
    for module in modules:
        if not _MODULE.match(module):
            raise ConfigError(f"plugin {module!r} is not a dotted module name", path=source,
                              key="plugins")
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"cannot import plugin module {module!r}: {exc}", path=source,
                              key="plugins") from None
