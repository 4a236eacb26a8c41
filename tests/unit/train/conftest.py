"""Fixtures for training and prediction tests: a real instruction dataset and a tiny real model.

The dataset is converted from the real InstructIE/IEPile examples in tests/fixtures/instructie into
the record shape the dataset export writes (`{id, instruction, output, cate, lang, task}`), with the
relation examples also rendered in the project's text output formats. The model is a 2-layer Llama
built from a config with SmolLM2's real tokenizer: real code paths, seconds instead of minutes.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from kg2instruction.instructions.formats import OutputFormat, Triple, render_relations

TEXT_FORMAT_PROMPTS = {
    "en": "Extract the relation triples of the listed relations from the input. Write one fact "
          "per line in the {fmt} format.",
    "zh": "请从input中抽取所列关系的三元组，每行一个，使用{fmt}格式。",
}


def _jsonl(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _instructie_pairs(fixtures: Path) -> list[tuple[dict, dict, str]]:
    """(InstructIE record, its IEPile instruction record, language) for the en and zh examples."""
    base = fixtures / "instructie"
    return [(_jsonl(base / f"example_{lang}.json")[0], _jsonl(base / f"example_{lang}_ins.json")[0],
             lang) for lang in ("en", "zh")]


def _text_format_variants(record: dict, lang: str) -> list[dict]:
    triples = [Triple.from_record(r) for r in record["relation"]]
    labels = list(dict.fromkeys(t.relation for t in triples))
    rows = []
    for fmt in (OutputFormat.TUPLE, OutputFormat.NATURAL, OutputFormat.COLON):
        instruction = json.dumps({"instruction": TEXT_FORMAT_PROMPTS[lang].format(fmt=fmt.value),
                                  "schema": labels, "input": record["text"]}, ensure_ascii=False)
        rows.append({"id": f"{record['id'][:16]}-{fmt.value}", "instruction": instruction,
                     "output": render_relations(fmt, triples, labels, lang),
                     "cate": record["cate"], "lang": lang, "task": "RE"})
    return rows


def build_instruction_dataset(fixtures: Path) -> dict[str, list[dict]]:
    """train/dev/test splits of real instruction records (IEPile shape)."""
    kg = fixtures / "instructie" / "kg_task_samples_zh"
    train = [{"id": f"kg-train-{n}", "instruction": r["instruction"], "output": r["output"],
              "cate": "人物", "lang": "zh", "task": r["task"]}
             for n, r in enumerate(_jsonl(kg / "train.json"))]
    test = [{"id": r["id"], "instruction": r["instruction"], "label": r["label"], "cate": "人物",
             "lang": "zh", "task": r["task"]} for r in _jsonl(kg / "test.json")]
    dev = []
    for record, iepile, lang in _instructie_pairs(fixtures):
        json_row = {"id": record["id"][:16], "instruction": iepile["instruction"],
                    "output": iepile["output"], "cate": record["cate"], "lang": lang, "task": "RE"}
        variants = _text_format_variants(record, lang)
        train += [json_row] + variants[:2]
        dev += variants[2:]
    return {"train": train, "dev": dev, "test": test}


def write_dataset(splits: dict[str, list[dict]], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        (folder / f"{split}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def instruction_splits(fixtures_dir: Path) -> dict[str, list[dict]]:
    return build_instruction_dataset(fixtures_dir)


@pytest.fixture()
def dataset_dir(instruction_splits, tmp_path: Path) -> Path:
    return write_dataset(instruction_splits, tmp_path / "dataset")


@pytest.fixture(scope="session")
def smollm2_tokenizer():
    from kg2instruction.train.models import load_tokenizer, resolve_model

    return load_tokenizer(resolve_model("smollm2-135m"))


@pytest.fixture(scope="session")
def tiny_model_dir(smollm2_tokenizer, tmp_path_factory) -> Path:
    """A 2-layer Llama with SmolLM2's tokenizer, saved like any local model folder."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.set_num_threads(2)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(smollm2_tokenizer), hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=2048, tie_word_embeddings=True,
                         initializer_range=0.2,  # sharp enough logits for LoRA to move the loss
                         bos_token_id=smollm2_tokenizer.bos_token_id,
                         eos_token_id=smollm2_tokenizer.eos_token_id,
                         pad_token_id=smollm2_tokenizer.pad_token_id)
    folder = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(folder)
    smollm2_tokenizer.save_pretrained(folder)
    return folder


def has_avx512_bf16() -> bool:
    try:
        from bitsandbytes.functional import has_avx512bf16
    except ImportError:
        return False
    return bool(has_avx512bf16())
