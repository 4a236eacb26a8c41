"""Safe YAML loading that remembers where every key came from.

Analysts edit themes and overlays by hand; a validation error must point at the file, line and key
they have to fix. PyYAML's safe loader is used (no arbitrary objects), documents are size-capped,
and alias expansion is bounded so an anchor bomb fails fast instead of eating memory.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from kg2instruction.errors import ConfigError

MAX_YAML_BYTES = 8 * 1024 * 1024
MAX_ALIAS_EXPANSIONS = 10_000
# Aliases share nodes, so a few dozen of them can stand for 10^9 values that any later traversal
# (validation, fingerprinting) would walk: the *expanded* size is bounded too.
MAX_EXPANDED_NODES = 1_000_000

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=pydantic.BaseModel)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of each mapping key and value, keyed by its path."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[Loc, int] = {}
        self._alias_count = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self._alias_count += 1
            if self._alias_count > MAX_ALIAS_EXPANSIONS:
                mark = self.peek_event().start_mark
                raise ConfigError(f"more than {MAX_ALIAS_EXPANSIONS} YAML aliases (anchor bomb?)",
                                  path=getattr(self, "_path", None), line=mark.line + 1)
        return super().compose_node(parent, index)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes the document has once every alias is expanded (linear: shared nodes are memoised)."""
    key = id(node)
    if key not in memo:
        memo[key] = 1          # provisional, also stops recursive aliases
        if isinstance(node, yaml.MappingNode):
            memo[key] += sum(_expanded_size(k, memo) + _expanded_size(v, memo)
                             for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            memo[key] += sum(_expanded_size(item, memo) for item in node.value)
    return memo[key]


def _record_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int], depth: int = 0,
                  seen: set[int] | None = None) -> None:
    # Aliased nodes are shared; visiting each node once keeps an anchor bomb linear here.
    seen = set() if seen is None else seen
    if depth > 100 or id(node) in seen:
        return
    seen.add(id(node))
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            lines[loc + (key,)] = key_node.start_mark.line + 1
            _record_lines(value_node, loc + (key,), lines, depth + 1, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _record_lines(item, loc + (i,), lines, depth + 1, seen)


class LoadedYaml:
    """A parsed YAML document plus the line of every key path, for error messages."""

    def __init__(self, path: Path, data: Any, lines: dict[Loc, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest known prefix of `loc` (a missing key reports its parent's line)."""
        for cut in range(len(loc), -1, -1):
            if loc[:cut] in self.lines:
                return self.lines[loc[:cut]]
        return None


def load_yaml(path: str | Path) -> LoadedYaml:
    """Safely parse a YAML file, keeping key lines; errors name the file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", path=path) from None
    except IsADirectoryError:
        raise ConfigError("expected a YAML file, found a directory", path=path) from None
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(f"YAML file larger than {MAX_YAML_BYTES} bytes", path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 (byte {exc.start})", path=path) from None
    loader = _LineLoader(text)
    loader._path = str(path)  # type: ignore[attr-defined]
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        if node is None:
            return LoadedYaml(path, None, lines)
        if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise ConfigError(f"YAML expands to more than {MAX_EXPANDED_NODES} values through "
                              "aliases (anchor bomb?)", path=path, line=node.start_mark.line + 1)
        _record_lines(node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"invalid YAML: {exc.problem or exc}", path=path,
                          line=None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=path) from None
    finally:
        loader.dispose()
    return LoadedYaml(path, data, lines)


def validate(model: type[M], doc: LoadedYaml, data: Any = None, loc_prefix: Loc = ()) -> M:
    """Validate `doc.data` (or `data`, found at `loc_prefix` in the doc) against a pydantic model.

    The first error is raised as a ConfigError naming file, line and dotted key path.
    """
    payload = doc.data if data is None else data
    if payload is None:
        payload = {}
    if not isinstance(payload, Mapping):
        raise ConfigError(f"expected a mapping, found {type(payload).__name__}", path=doc.path,
                          line=doc.line_of(loc_prefix))
    try:
        return model.model_validate(payload)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        loc = loc_prefix + tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or None
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        more = len(exc.errors()) - 1
        if more:
            msg += f" (and {more} more error{'s' if more > 1 else ''})"
        raise ConfigError(msg, path=doc.path, line=doc.line_of(loc), key=key) from None
