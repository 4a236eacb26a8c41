from __future__ import annotations

import pydantic

from kg2instruction.core import StageConfig, execution_knob
from kg2instruction.core.fingerprint import (derived_seed, output_config, stage_fingerprint,
                                             theme_subset)


class Inner(StageConfig):
    threshold: float = 0.5
    threads: int = execution_knob(4)


class Outer(StageConfig):
    min_tokens: int = 50
    batch_size: int = execution_knob(32)
    inner: Inner = Inner()
    resources: Inner = execution_knob(Inner())


def fingerprint(config: StageConfig, **overrides) -> str:
    args = dict(name="s", version="1", config=config, theme=None, upstream={"a": "f" * 64},
                inputs=[], seed=None, layout={"languages": ["en"]})
    args.update(overrides)
    return stage_fingerprint(**args)


def test_execution_knobs_are_left_out_at_every_depth() -> None:
    base = Outer()
    assert output_config(base) == {"min_tokens": 50, "inner": {"threshold": 0.5}}
    tuned = Outer(batch_size=1, inner=Inner(threads=1), resources=Inner(threshold=0.9))
    assert fingerprint(tuned) == fingerprint(base)


def test_output_parameters_change_the_fingerprint() -> None:
    base = fingerprint(Outer())
    changed = {fingerprint(Outer(min_tokens=51)), fingerprint(Outer(inner=Inner(threshold=0.6))),
               fingerprint(Outer(), version="2"), fingerprint(Outer(), upstream={"a": "0" * 64}),
               fingerprint(Outer(), seed=1), fingerprint(Outer(), theme={"relations": []}),
               fingerprint(Outer(), inputs=[{"name": "d", "size": 1}]),
               fingerprint(Outer(), layout={"languages": ["en", "zh"]})}
    assert base not in changed and len(changed) == 8


def test_theme_subset_hashes_only_declared_fields() -> None:
    class Theme(pydantic.BaseModel):
        relations: list[str]
        nli_threshold: float

    theme = Theme(relations=["born in"], nli_threshold=0.5)
    assert theme_subset(theme, None) == {"relations": ["born in"], "nli_threshold": 0.5}
    assert theme_subset(theme, ("relations",)) == {"relations": ["born in"]}
    assert theme_subset(theme, ()) is None
    other = Theme(relations=["born in"], nli_threshold=0.9)
    assert theme_subset(other, ("relations",)) == theme_subset(theme, ("relations",))


def test_derived_seed_is_stable_and_separates_shards() -> None:
    seeds = {derived_seed(7, "sample", f"en-{i:05d}") for i in range(100)}
    assert len(seeds) == 100
    assert derived_seed(7, "sample", "en-00001") == derived_seed(7, "sample", "en-00001")
    assert derived_seed(7, "sample", "en-00001") != derived_seed(8, "sample", "en-00001")
    assert derived_seed(7, "other", "en-00001") != derived_seed(7, "sample", "en-00001")
