"""Offset-preserving edits: every span keeps pointing at the same characters."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg2instruction.sources.chinese import simplify_with_spans
from kg2instruction.sources.offset_text import collapse_whitespace, convert_segments, delete_ranges

TEXT = st.text(alphabet=st.sampled_from(list("ab c\n\t.數學xyz")), min_size=1, max_size=60)


@st.composite
def text_and_spans(draw):
    text = draw(TEXT)
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        spans.append((start, end))
    return text, spans


@settings(max_examples=300, deadline=None)
@given(text_and_spans())
def test_collapse_whitespace_keeps_span_content(case):
    text, spans = case
    new_text, mapped = collapse_whitespace(text, spans)
    assert new_text == " ".join(text.split())
    for (start, end), new in zip(spans, mapped):
        words = text[start:end].split()
        if not words:
            assert new is None
        else:
            assert new_text[new[0]:new[1]] == " ".join(words)


@settings(max_examples=300, deadline=None)
@given(text_and_spans(), st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)), max_size=4))
def test_delete_ranges_maps_untouched_spans_exactly(case, raw_ranges):
    text, spans = case
    ranges = [(s, min(len(text), s + n)) for s, n in raw_ranges if s < len(text)]
    new_text, mapped = delete_ranges(text, ranges, spans)
    deleted = {i for s, e in ranges for i in range(s, e)}
    assert new_text == "".join(ch for i, ch in enumerate(text) if i not in deleted)
    for (start, end), new in zip(spans, mapped):
        kept = "".join(text[i] for i in range(start, end) if i not in deleted)
        assert (new is None) == (kept == "")
        if new is not None:
            assert new_text[new[0]:new[1]] == kept


def test_length_changing_conversion_moves_spans():
    text = "ab|cd|ef"
    new_text, spans = convert_segments(text, [(3, 5)], lambda s: s.replace("c", "CCC"))
    assert new_text == "ab|CCCd|ef" and new_text[spans[0][0]:spans[0][1]] == "CCCd"


def test_simplify_with_spans_on_real_zhwiki_text():
    text = "數學透過抽象化和邏輯推理的使用，由計數、計算、量度和對物體形狀及運動的觀察而產生。"
    spans = [(4, 7), (8, 10), (17, 19)]
    new_text, moved = simplify_with_spans(text, spans)
    assert new_text.startswith("数学透过抽象化和逻辑推理")
    assert [new_text[s:e] for s, e in moved] == ["抽象化", "逻辑", "计数"]
