"""Turning instruction examples into token ids with the loss on the answer only.

The model is asked to *produce* the output, not to reproduce the prompt; prompt tokens get the label
-100 so the cross-entropy ignores them (as in Alpaca-LoRA with `train_on_inputs=False` and IEPile).
Prompt and answer are tokenized separately so the boundary is exact and the prompt ids equal those
prediction feeds the model. Sequences longer than `cutoff_len` lose the end of their answer; an
example whose prompt alone fills the cutoff has nothing to learn from and is dropped (counted).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from kg2instruction.train.data import InstructionExample
from kg2instruction.train.template import PromptTemplate

IGNORE_INDEX = -100


@dataclass(frozen=True)
class EncodedExample:
    input_ids: list[int]
    labels: list[int]


@dataclass
class EncodingStats:
    """How many examples survived encoding intact, were cut, or were dropped."""

    kept: int = 0
    truncated: int = 0
    dropped: list[str] = field(default_factory=list)


def encode_causal(tokenizer, template: PromptTemplate, example: InstructionExample,
                  cutoff_len: int) -> EncodedExample | None:
    """Prompt + answer + EOS for a decoder-only model; labels mask the prompt."""
    if example.output is None:
        raise ValueError(f"{example.source}: training example has no output")
    prompt_ids = tokenizer(template.render(example.instruction, example.input),
                           add_special_tokens=True)["input_ids"]
    answer_ids = tokenizer(example.output, add_special_tokens=False)["input_ids"]
    if tokenizer.eos_token_id is not None:
        answer_ids = answer_ids + [tokenizer.eos_token_id]
    if len(prompt_ids) >= cutoff_len:
        return None
    input_ids = (prompt_ids + answer_ids)[:cutoff_len]
    labels = ([IGNORE_INDEX] * len(prompt_ids) + answer_ids)[:cutoff_len]
    return EncodedExample(input_ids, labels)


def encode_seq2seq(tokenizer, template: PromptTemplate, example: InstructionExample,
                   cutoff_len: int) -> EncodedExample | None:
    """Encoder input = prompt, decoder labels = answer (no masking needed: they are separate)."""
    if example.output is None:
        raise ValueError(f"{example.source}: training example has no output")
    prompt_ids = tokenizer(template.render(example.instruction, example.input),
                           truncation=True, max_length=cutoff_len)["input_ids"]
    labels = tokenizer(example.output, truncation=True, max_length=cutoff_len)["input_ids"]
    return EncodedExample(prompt_ids, labels)


def encode_all(tokenizer, template: PromptTemplate, examples: Sequence[InstructionExample],
               cutoff_len: int, *, seq2seq: bool) -> tuple[list[EncodedExample], EncodingStats]:
    encode = encode_seq2seq if seq2seq else encode_causal
    stats = EncodingStats()
    encoded = []
    for example in examples:
        item = encode(tokenizer, template, example, cutoff_len)
        if item is None:
            stats.dropped.append(example.source)
            continue
        stats.kept += 1
        if not seq2seq and len(item.input_ids) == cutoff_len:
            stats.truncated += 1
        encoded.append(item)
    return encoded, stats


def collate(batch: Sequence[EncodedExample], pad_token_id: int, *,
            seq2seq: bool) -> dict[str, torch.Tensor]:
    """Right-padded tensors; padding never counts in the loss."""
    width = max(len(item.input_ids) for item in batch)
    input_ids = torch.full((len(batch), width), pad_token_id, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    label_width = max(len(item.labels) for item in batch) if seq2seq else width
    labels = torch.full((len(batch), label_width), IGNORE_INDEX, dtype=torch.long)
    for row, item in enumerate(batch):
        input_ids[row, :len(item.input_ids)] = torch.tensor(item.input_ids)
        attention[row, :len(item.input_ids)] = 1
        labels[row, :len(item.labels)] = torch.tensor(item.labels)
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}
