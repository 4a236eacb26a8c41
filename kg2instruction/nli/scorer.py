"""The one interface every entailment backend implements, and label-order handling.

The stage only asks "P(entailment) for these (premise, hypothesis) pairs", so a hub model, our
own verifier or a remote service are interchangeable. Label order differs between NLI models
(MNLI heads put entailment at 0 or 2, binary verifiers at 0 or 1), so the entailment index is
always read from the model's `id2label`; guessing it silently inverts the filter.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

from kg2instruction.errors import ConfigError

Pair = tuple[str, str]   # (premise, hypothesis)
Precision = Literal["auto", "fp32", "fp16", "bf16"]   # auto: bf16/fp16 on CUDA, fp32 on CPU


@runtime_checkable
class EntailmentScorer(Protocol):
    """Anything that turns (premise, hypothesis) pairs into P(entailment), in input order."""

    def entailment_probs(self, pairs: Sequence[Pair]) -> list[float]: ...


def entailment_index(id2label: Mapping[int | str, str], model: str = "model") -> int:
    """Index of the entailment class in `id2label` ('entailment', 'ENTAILMENT', 'entailed'...).

    A label like 'not_entailment' is never taken for entailment; a model without an entailment
    label (e.g. generic LABEL_0/LABEL_1) is a configuration error, not a guess."""
    found = []
    for key, label in id2label.items():
        name = str(label).strip().lower().replace("-", "_").replace(" ", "_")
        if name.startswith("entail"):
            found.append(int(key))
    if len(found) != 1:
        raise ConfigError(f"cannot tell the entailment class of {model}: its config.id2label is "
                          f"{dict(id2label)}; expected exactly one label starting with "
                          f"'entail' (e.g. 'entailment')", key="id2label")
    return found[0]
