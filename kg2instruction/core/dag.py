"""Build and validate the stage graph of a pipeline before any work starts.

Every problem an operator can fix in the YAML (unknown stage, typo'd key, a required stage that
is not listed, a cycle, a missing source) is found here and reported as one ConfigError naming the
file, line and key; nothing is read or written until the whole graph is valid.
"""
from __future__ import annotations

from dataclasses import dataclass

from kg2instruction.config.pipeline import Pipeline
from kg2instruction.config.yaml_loader import validate
from kg2instruction.core.registry import find_stage, get_stage, known_stage_names
from kg2instruction.core.stage import TABLE_KINDS, ArtifactStage, Stage, StageConfig
from kg2instruction.errors import ConfigError


@dataclass(frozen=True)
class StageNode:
    name: str
    cls: type[Stage]
    config: StageConfig

    @property
    def table_inputs(self) -> tuple[str, ...]:
        return tuple(r for r in self.cls.requires if get_stage(r).kind in TABLE_KINDS)

    @property
    def artifact_inputs(self) -> tuple[str, ...]:
        return tuple(r for r in self.cls.requires if get_stage(r).kind == "artifact")


class Dag:
    """Stages in a deterministic topological order (ties keep the YAML order)."""

    def __init__(self, nodes: list[StageNode]) -> None:
        self.nodes = {n.name: n for n in nodes}
        self.order = [n.name for n in nodes]

    def __getitem__(self, name: str) -> StageNode:
        return self.nodes[name]

    def ancestors(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.nodes[name].cls.requires)
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.nodes[current].cls.requires)
        return seen

    def until(self, name: str) -> Dag:
        """The sub-graph needed to produce `name`."""
        keep = self.ancestors(name) | {name}
        return Dag([self.nodes[n] for n in self.order if n in keep])


def build_dag(pipeline: Pipeline) -> Dag:
    """Every stage's config is validated and every `requires` checked here, before any work
    starts, so a typo in the last stage fails in seconds with its file, line and key rather than
    after hours of upstream stages."""
    doc = pipeline.doc
    nodes: dict[str, StageNode] = {}
    for name, raw in pipeline.config.stages.items():
        cls = _load_stage(name, pipeline)
        config = validate(cls.Config, doc, data=raw or {}, loc_prefix=("stages", name))
        nodes[name] = StageNode(name, cls, config)

    for node in nodes.values():
        _check_node(node, nodes, pipeline)
    return Dag(_topological(nodes, pipeline))


def _load_stage(name: str, pipeline: Pipeline) -> type[Stage]:
    where = {"path": pipeline.file, "line": pipeline.line_of("stages", name),
             "key": f"stages.{name}"}
    try:
        cls = find_stage(name)
    except ImportError as exc:
        raise ConfigError(f"stage {name!r} cannot be loaded: {exc}", **where) from exc
    if cls is None:
        known = ", ".join(known_stage_names()) or "none"
        raise ConfigError(f"unknown stage {name!r} (known stages: {known})", **where)
    return cls


def _check_node(node: StageNode, nodes: dict[str, StageNode], pipeline: Pipeline) -> None:
    def fail(message: str) -> ConfigError:
        return ConfigError(message, path=pipeline.file, line=pipeline.line_of("stages", node.name),
                           key=f"stages.{node.name}")

    for required in node.cls.requires:
        if required not in nodes:
            raise fail(f"stage {node.name!r} requires stage {required!r}, which is not listed "
                       "under `stages:`")
    for kind in node.cls.sources:
        if not pipeline.source_files(kind):
            raise fail(f"stage {node.name!r} reads source {kind!r}, but `sources:` has no "
                       f"{kind!r} entry")
    kind = node.cls.kind
    if kind in ("map", "reduce") and not node.table_inputs:
        raise fail(f"{kind} stage {node.name!r} must require at least one table-producing stage")
    if kind == "source" and not node.cls.sources:
        raise fail(f"source stage {node.name!r} declares no `sources`")
    provided = [nodes[a].cls.provides for a in node.artifact_inputs
                if issubclass(nodes[a].cls, ArtifactStage)]
    if len(provided) != len(set(provided)):
        raise fail(f"stage {node.name!r} requires two artifacts providing the same handle")


def _topological(nodes: dict[str, StageNode], pipeline: Pipeline) -> list[StageNode]:
    position = {name: i for i, name in enumerate(nodes)}
    pending: dict[str, set[str]] = {n: set(node.cls.requires) for n, node in nodes.items()}
    order: list[StageNode] = []
    while pending:
        ready = sorted((n for n, deps in pending.items() if not deps), key=position.__getitem__)
        if not ready:
            cycle = _find_cycle(pending)
            first = cycle[0]
            raise ConfigError("stages form a cycle: " + " -> ".join(cycle + [first]),
                              path=pipeline.file, line=pipeline.line_of("stages", first),
                              key=f"stages.{first}")
        for name in ready:
            order.append(nodes[name])
            del pending[name]
        for deps in pending.values():
            deps.difference_update(ready)
    return order


def _find_cycle(pending: dict[str, set[str]]) -> list[str]:
    """Walk requires from any blocked stage until a stage repeats: that loop is a cycle."""
    path: list[str] = []
    current = sorted(pending)[0]
    while current not in path:
        path.append(current)
        current = sorted(pending[current])[0]
    return path[path.index(current):]

