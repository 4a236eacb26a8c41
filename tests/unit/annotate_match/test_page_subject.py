"""Grounding the page entity on an unlinked mention that resembles the page title."""
from __future__ import annotations

from kg2instruction.annotate.match import Anchor
from kg2instruction.annotate.page_subject import ground_subject, subject_repeats, title_tokens


def unlinked(text: str, *surfaces: str) -> list[Anchor]:
    return [Anchor(f"p:{text.index(s)}-{text.index(s) + len(s)}", text.index(s),
                   text.index(s) + len(s), s, None) for s in surfaces]


def test_title_tokens_drop_disambiguators_generic_words_and_plurals() -> None:
    assert title_tokens("Keystone (architecture)", "en") == {"keystone"}
    assert title_tokens("keystones", "en") == {"keystone"}
    assert title_tokens("University of Arts in Belgrade", "en") == {"art", "belgrade"}
    assert title_tokens("道格拉斯·亚当斯", "zh") == {"道格", "格拉", "拉斯", "亚当", "当斯"}


def test_most_similar_mention_wins_and_unrelated_ones_never_do() -> None:
    text = "Critic Thom Jurek praised Graham, and Davy Graham thanked him."
    spans = unlinked(text, "Thom Jurek", "Graham", "Davy Graham")
    assert ground_subject("Davey Graham", spans, "en").surface == "Graham"   # 1 word, earliest
    assert ground_subject("Davy Graham (musician)", spans, "en").surface == "Davy Graham"
    assert ground_subject("Larry Sanger", spans, "en") is None


def test_generic_title_words_do_not_ground() -> None:
    text = "He taught at the Belgrade Music Academy and at a university in Vienna."
    spans = unlinked(text, "Belgrade Music Academy", "Vienna")
    assert ground_subject("University of Vienna", spans, "en").surface == "Vienna"
    # "Belgrade Music Academy" shares "Belgrade" but is an academy, not the theatre
    assert ground_subject("National Theatre of Belgrade", spans, "en") is None
    assert ground_subject("University", spans, "en") is None


def test_chinese_grounding_by_character_bigrams() -> None:
    text = "亚当斯是英国作家。"
    assert ground_subject("道格拉斯·亚当斯", unlinked(text, "亚当斯"), "zh").surface == "亚当斯"
    assert ground_subject("英国", unlinked(text, "亚当斯"), "zh") is None


def test_shortened_names_of_the_subject_repeat_it() -> None:
    """An article calls its subject by the surname after the first sentence; a given name alone,
    a relative's full name or a place named after the subject is someone or something else."""
    text = ("Matt Ferguson joined CareerBuilder. John Ferguson, his father, lived near Ferguson "
            "Park. Later, Ferguson took an MBA. Matt left.")
    spans = unlinked(text, "Matt Ferguson", "John Ferguson", "Ferguson Park", "Later, Ferguson",
                     "Matt left")
    spans[3] = Anchor("p:f", spans[3].start + 7, spans[3].end, "Ferguson", None)
    spans[4] = Anchor("p:m", spans[4].start, spans[4].start + 4, "Matt", None)
    assert [s.surface for s in subject_repeats("Matt Ferguson", spans, "en")] == ["Ferguson"]
    assert subject_repeats("Davy Graham (musician)", spans, "en") == []
    # a city is not the university named after it, though it is the title's one content word
    vienna = "He taught at a university in Vienna."
    assert subject_repeats("University of Vienna", unlinked(vienna, "Vienna"), "en") == []
    # the whole title, unlinked, was left so by linking (a namesake, a type that does not fit)
    assert subject_repeats("Asia", unlinked("Asia was a nymph.", "Asia"), "en") == []
    zh = "道格拉斯是编辑。亚当斯是英国作家。"
    assert [s.surface for s in subject_repeats("道格拉斯·亚当斯", unlinked(zh, "道格拉斯", "亚当斯"),
                                               "zh")] == ["亚当斯"]
