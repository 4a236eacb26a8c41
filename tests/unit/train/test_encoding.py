"""Loss only on the answer: prompt tokens are masked, truncation keeps the prompt."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.train.data import load_examples
from kg2instruction.train.encoding import IGNORE_INDEX, collate, encode_all, encode_causal
from kg2instruction.train.template import ALPACA


def test_prompt_is_masked_and_answer_ends_with_eos(dataset_dir: Path, smollm2_tokenizer):
    example = load_examples(dataset_dir, "train", require_output=True)[0]
    encoded = encode_causal(smollm2_tokenizer, ALPACA, example, cutoff_len=4096)
    prompt_ids = smollm2_tokenizer(ALPACA.render(example.instruction, example.input))["input_ids"]
    answer = [t for t in encoded.labels if t != IGNORE_INDEX]
    assert encoded.labels[:len(prompt_ids)] == [IGNORE_INDEX] * len(prompt_ids)
    assert encoded.input_ids[:len(prompt_ids)] == prompt_ids
    assert answer[-1] == smollm2_tokenizer.eos_token_id
    assert smollm2_tokenizer.decode(answer[:-1]) == example.output


def test_cutoff_truncates_answer_and_drops_prompt_only_examples(dataset_dir: Path,
                                                                smollm2_tokenizer):
    examples = load_examples(dataset_dir, "train", require_output=True)
    prompt_lengths = [len(smollm2_tokenizer(ALPACA.render(e.instruction, e.input))["input_ids"])
                      for e in examples]
    cutoff = sorted(prompt_lengths)[len(prompt_lengths) // 2] + 5
    encoded, stats = encode_all(smollm2_tokenizer, ALPACA, examples, cutoff, seq2seq=False)
    assert stats.kept == len(encoded) == sum(n < cutoff for n in prompt_lengths)
    assert len(stats.dropped) == sum(n >= cutoff for n in prompt_lengths) > 0
    assert all(len(e.input_ids) <= cutoff for e in encoded) and stats.truncated > 0


def test_collate_pads_right_and_never_scores_padding(dataset_dir: Path, smollm2_tokenizer):
    examples = load_examples(dataset_dir, "train", require_output=True)[:3]
    encoded, _ = encode_all(smollm2_tokenizer, ALPACA, examples, 4096, seq2seq=False)
    batch = collate(encoded, smollm2_tokenizer.pad_token_id, seq2seq=False)
    for row, item in enumerate(encoded):
        n = len(item.input_ids)
        assert batch["attention_mask"][row].sum().item() == n
        assert (batch["labels"][row, n:] == IGNORE_INDEX).all()
        assert batch["input_ids"][row, :n].tolist() == item.input_ids
