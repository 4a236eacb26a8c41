"""ROUGE-2 between a predicted and a gold output string, English and Chinese.

rouge-score's tokenizer keeps only ``[a-z0-9]`` runs, so Chinese text scores zero. English keeps
rouge-score's own tokenizer (lowercase, everything else a separator, no stemming: the RougeScorer
default); Chinese is segmented with jieba (accurate mode, default dictionary, HMM on), lowercased,
with tokens that hold no letter, digit or CJK character (punctuation, spaces) dropped.

Edge cases, decided so the figure is always defined and gold-as-prediction is always 1:
"empty" means no token after normalisation. Both empty -> 1; one empty -> 0; if either side has
fewer than two tokens (no bigram, e.g. ``NAN``), 1 when the token sequences are equal, else 0;
otherwise rouge-score's ROUGE-2 F-measure. Values are in [0, 1]; reports show them in percent.
"""
from __future__ import annotations

import logging
from functools import cache

import jieba
from rouge_score import rouge_scorer, tokenizers

jieba.setLogLevel(logging.WARNING)


class JiebaTokenizer(tokenizers.Tokenizer):
    """rouge-score tokenizer for Chinese (and mixed Chinese/Latin) text."""

    def tokenize(self, text: str) -> list[str]:
        return [t for t in (w.strip() for w in jieba.lcut(text.lower()))
                if any(ch.isalnum() for ch in t)]


@cache
def _tokenizer(lang: str) -> tokenizers.Tokenizer:
    return JiebaTokenizer() if lang == "zh" else tokenizers.DefaultTokenizer(use_stemmer=False)


@cache
def _scorer(lang: str) -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(["rouge2"], tokenizer=_tokenizer(lang))


def rouge_tokens(text: str, lang: str) -> list[str]:
    """The tokens ROUGE-2 compares for `lang` ("zh": jieba, anything else: rouge-score's)."""
    return _tokenizer(lang).tokenize(text)


def rouge2(predicted: str, gold: str, lang: str) -> float:
    """ROUGE-2 F-measure in [0, 1] with the edge cases of the module docstring."""
    pred_tokens, gold_tokens = rouge_tokens(predicted, lang), rouge_tokens(gold, lang)
    if not pred_tokens and not gold_tokens:
        return 1.0
    if not pred_tokens or not gold_tokens:
        return 0.0
    if len(pred_tokens) < 2 or len(gold_tokens) < 2:
        return 1.0 if pred_tokens == gold_tokens else 0.0
    return _scorer(lang).score(gold, predicted)["rouge2"].fmeasure
