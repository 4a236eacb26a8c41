"""The NLI model's weights are part of score_nli's fingerprint: retraining in place re-scores."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.stages.score_nli import ScoreNli, ScoreNliConfig

REPO = Path(__file__).resolve().parents[3]


def test_weights_changed_in_place_change_the_identity(tmp_path: Path) -> None:
    model = tmp_path / "verifier"
    model.mkdir()
    (model / "config.json").write_text('{"id2label": {"0": "entailment", "1": "neutral"}}')
    (model / "model.safetensors").write_bytes(b"\x00" * 4096)
    config = ScoreNliConfig(model=str(model))
    before = ScoreNli.external_inputs(config)
    (model / "model.safetensors").write_bytes(b"\x01" * 4096)   # same name and size, new weights
    after = ScoreNli.external_inputs(config)
    assert before != after
    assert [f["name"] for f in after[0]["files"]] == ["config.json", "model.safetensors"]


def test_hub_models_are_identified_by_name() -> None:
    name = "MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7"
    assert ScoreNli.external_inputs(ScoreNliConfig(model=name)) == [{"model": name, "files": []}]


def test_bundled_verifier_is_identified_by_its_weights() -> None:
    bundled = REPO / "kg2instruction" / "nli" / "models" / "minilm-relation-verifier-en"
    identity = ScoreNli.external_inputs(ScoreNliConfig())
    files = {f["name"]: f for f in identity[0]["files"]}
    assert files["model.safetensors"]["size"] == (bundled / "model.safetensors").stat().st_size
