"""The evidence a judge reads (marked ends, evidence offsets or the mentions' sentences) and the
systematic draw (equal chance, proportional relations, seeded)."""
from __future__ import annotations

from collections import Counter

from kg2instruction.audit.evidence import FALLBACK_SOURCE, mark, triple_evidence
from kg2instruction.audit.sampling import systematic_sample

# Real Wikipedia sentences (Guido Calza, Tammam Salam articles).
TEXT = ("Guido Calza (April 21, 1888 – April 17, 1946 in Rome, Italy), born in Milan, Italy, was "
        "an Italian archaeologist. He worked on excavations in Rome and at the port city of "
        "Ostia. Tammam Saeb Salam is a Lebanese politician.")


def span(surface: str, start: int = 0) -> tuple[int, int]:
    begin = TEXT.index(surface, start)
    return begin, begin + len(surface)


def row(head: str, tail: str, tail_from: int = 0, **extra) -> dict:
    (hs, he), (ts, te) = span(head), span(tail, tail_from)
    return {"head_start": hs, "head_end": he, "tail_start": ts, "tail_end": te, **extra}


def test_without_evidence_offsets_the_sentence_of_both_mentions_is_shown() -> None:
    evidence = triple_evidence(row("Guido Calza", "Milan"), TEXT, "en")
    assert evidence.source == FALLBACK_SOURCE
    assert evidence.text == ("[[Guido Calza]] (April 21, 1888 – April 17, 1946 in Rome, Italy), "
                             "born in {{Milan}}, Italy, was an Italian archaeologist.")
    assert evidence.paragraph.startswith("[[Guido Calza]] (April")
    assert evidence.paragraph.replace("[[", "").replace("]]", "").replace("{{", "") \
        .replace("}}", "") == TEXT


def test_mentions_in_two_sentences_show_both_sentences() -> None:
    evidence = triple_evidence(row("Guido Calza", "Ostia"), TEXT, "en")
    assert evidence.text.startswith("[[Guido Calza]]") and evidence.text.endswith("{{Ostia}}.")
    assert "Tammam" not in evidence.text


def test_evidence_offsets_win_and_a_subject_reference_carries_the_marks() -> None:
    second = span("He worked on excavations in Rome and at the port city of Ostia.")
    he = span("He worked")
    triple = row("Guido Calza", "Ostia", evidence_start=second[0], evidence_end=second[1],
                 evidence_rule="subject_reference", subject_ref_start=he[0],
                 subject_ref_end=he[0] + 2)
    evidence = triple_evidence(triple, TEXT, "en")
    assert evidence.source == "subject_reference"
    assert evidence.text == ("[[He]] worked on excavations in Rome and at the port city of "
                             "{{Ostia}}.")
    assert evidence.paragraph.startswith("[[Guido Calza]]")    # the paragraph marks the ends


def test_an_implicit_subject_shows_the_tail_sentence_only() -> None:
    ts, te = span("Lebanese")
    evidence = triple_evidence({"head_start": None, "head_end": None, "tail_start": ts,
                                "tail_end": te}, TEXT, "en")
    assert evidence.text == "Tammam Saeb Salam is a {{Lebanese}} politician."


def test_nested_spans_stay_nested() -> None:
    text = "Noel Trevelyan Huxley"
    assert mark(text, {"head": (0, 21), "tail": (15, 21)}) == "[[Noel Trevelyan {{Huxley}}]]"
    assert mark(text, {"head": (0, 4), "tail": (5, 14)}) == "[[Noel]] {{Trevelyan}} Huxley"


def test_chinese_sentences_split_on_full_width_stops() -> None:
    text = "周杰伦出生于台湾。他是歌手。"
    evidence = triple_evidence({"head_start": 0, "head_end": 3, "tail_start": 6,
                                "tail_end": 8}, text, "zh")
    assert evidence.text == "[[周杰伦]]出生于{{台湾}}。"


def test_systematic_draw_gives_relations_their_proportional_share() -> None:
    relations = ["place of birth"] * 600 + ["spouse"] * 300 + ["award received"] * 100
    ids = [f"t{i}" for i in range(len(relations))]
    chosen = systematic_sample(relations, ids, 50, "13:person:kept")
    assert len(chosen) == len(set(chosen)) == 50
    assert Counter(relations[i] for i in chosen) == {"place of birth": 30, "spouse": 15,
                                                     "award received": 5}


def test_systematic_draw_is_seeded_and_ignores_input_order() -> None:
    relations = [f"r{i % 7}" for i in range(500)]
    ids = [f"t{i}" for i in range(500)]
    first = {ids[i] for i in systematic_sample(relations, ids, 40, "s1")}
    assert first == {ids[i] for i in systematic_sample(relations, ids, 40, "s1")}
    shuffled = list(reversed(range(500)))
    again = {ids[j] for j in (shuffled[i] for i in systematic_sample(
        [relations[k] for k in shuffled], [ids[k] for k in shuffled], 40, "s1"))}
    assert again == first
    assert first != {ids[i] for i in systematic_sample(relations, ids, 40, "s2")}


def test_systematic_draw_gives_every_triple_the_same_chance() -> None:
    relations = ["a"] * 30 + ["b"] * 10
    ids = [f"t{i}" for i in range(40)]
    hits = Counter(i for seed in range(400) for i in systematic_sample(relations, ids, 10, seed))
    # each triple: 400 draws × 10/40 = 100 expected; a bias towards either relation would show
    # (relation "a" holds 7.5 of every 10 drawn: 7 or 8 by the random start, 3000 of 4000)
    assert abs(sum(hits[i] for i in range(30)) - 3000) < 60
    assert min(hits.values()) > 50 and max(hits.values()) < 150


def test_small_stratum_is_taken_whole() -> None:
    assert systematic_sample(["a", "b", None], ["x", "y", "z"], 50, 1) == [0, 1, 2]
