"""The stage-writing example in `kg2instruction.core.stage`'s docstring is real, working code."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pyarrow as pa

import kg2instruction.core.stage as stage_module
from kg2instruction.core.context import StageContext
from kg2instruction.core.fingerprint import output_config
from kg2instruction.core.registry import get_stage


def test_docstring_example_defines_a_working_stage() -> None:
    doc = stage_module.__doc__
    code = textwrap.dedent(doc.split("Writing a new map stage::")[1].split("Then list it")[0])
    namespace: dict = {"__name__": "stage_example"}
    exec(compile(code, "stage-example", "exec"), namespace)
    cls = get_stage("drop_short")
    assert cls is namespace["DropShort"]
    stage = cls(cls.Config(min_chars=10))
    ctx = StageContext(stage="drop_short", shard_id="en-00000", lang="en", languages=("en",),
                       seed=0, theme=None, artifacts={}, base_dir=Path("."))
    table = pa.table({"paragraph_id": ["en:1:0", "en:1:1"], "text": ["short", "long enough text"]})
    out = stage.process({"read_wikipedia": table}, ctx)
    assert out["paragraph_id"].to_pylist() == ["en:1:1"]
    assert ctx.take_counters() == {"dropped.too_short": 1}
    assert output_config(stage.config) == {"min_chars": 10}   # batch_size is a knob
