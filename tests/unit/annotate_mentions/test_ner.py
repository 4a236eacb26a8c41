"""The NER interface with the real models: spaCy (English) and LAC (Chinese), and the registry."""
from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pytest

from kg2instruction.errors import ConfigError
from kg2instruction.ner import NerModel, NerSpan, NerSpec, create_ner, register_ner
from kg2instruction.ner.lac_ner import LacNer

from .conftest import paragraph_with


def test_spacy_tags_a_real_sample_paragraph(spacy_ner: NerModel, en_paragraphs: pa.Table) -> None:
    text = paragraph_with(en_paragraphs, "Abraham Lincoln", "February 12, 1809")["text"][0].as_py()
    [spans] = spacy_ner.tag([text])
    surfaces = {(text[s.start:s.end], s.label) for s in spans}
    assert ("February 12, 1809", "DATE") in surfaces
    assert any(label == "PERSON" and "Lincoln" in surface for surface, label in surfaces)
    assert spans == sorted(spans) and all(0 <= s.start < s.end <= len(text) for s in spans)


def test_spacy_batches_keep_input_order(spacy_ner: NerModel) -> None:
    texts = ["Paris is in France.", "", "Angela Merkel visited Washington in 2009."]
    tagged = spacy_ner.tag(texts)
    assert len(tagged) == 3 and tagged[1] == []
    assert {texts[2][s.start:s.end] for s in tagged[2]} >= {"Angela Merkel", "Washington", "2009"}


def test_lac_tags_the_zhwiki_sample(lac_ner: NerModel, zh_paragraphs: pa.Table) -> None:
    text = next(t for t in zh_paragraphs["text"].to_pylist() if "美索不达米亚" in t)
    [spans] = lac_ner.tag([text])
    surfaces = {text[s.start:s.end]: s.label for s in spans}
    assert surfaces.get("美索不达米亚") == "LOC"
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_lac_offsets_follow_its_segmentation_and_numbers_split_by_unit(lac_ner: NerModel) -> None:
    text = "欧几里得于公元前300年在亚历山大港写作，全长3公里，共120。张三买了3本书"
    [spans] = lac_ner.tag([text])
    by_surface = {text[s.start:s.end]: s.label for s in spans}
    assert by_surface["公元前300年"] == "TIME"
    assert by_surface["亚历山大港"] == "LOC"
    assert by_surface["3公里"] == "QUANTITY"       # a number with its unit
    assert by_surface["3本"] == "QUANTITY"         # a number merged with its measure word
    assert by_surface["120"] == "CARDINAL"         # the full stop LAC glues on is cut off


def test_lac_entity_tags_are_configurable(lac_ner: NerModel) -> None:
    only_places = LacNer(entity_tags=("LOC",))
    text = "张三在北京市工作"
    assert {text[s.start:s.end] for s in only_places.tag([text])[0]} == {"北京市"}
    assert "张三" in {text[s.start:s.end] for s in lac_ner.tag([text])[0]}


class Gazetteer:
    """A user's own model: exact lookup of a fixed list of names."""

    name = "gazetteer"

    def __init__(self, names: Sequence[str], label: str = "ORG") -> None:
        self._names = names
        self._label = label

    def tag(self, texts: Sequence[str]) -> list[list[NerSpan]]:
        result = []
        for text in texts:
            spans = []
            for name in self._names:
                at = text.find(name)
                if at >= 0:
                    spans.append(NerSpan(at, at + len(name), self._label))
            result.append(sorted(spans))
        return result


def test_a_plugged_in_model_is_created_by_name() -> None:
    register_ner("gazetteer", Gazetteer)
    model = create_ner(NerSpec(name="gazetteer", options={"names": ["ACME"]}))
    assert model.tag(["ACME ltd"]) == [[NerSpan(0, 4, "ORG")]]
    by_path = create_ner(NerSpec(name=f"{__name__}:Gazetteer", options={"names": ["X"]}))
    assert by_path.tag(["a X"]) == [[NerSpan(2, 3, "ORG")]]


def test_batch_size_knob_reaches_only_models_that_take_it() -> None:
    register_ner("gazetteer", Gazetteer)
    assert create_ner(NerSpec(name="gazetteer", options={"names": []}), batch_size=7).tag(["a"]) == [[]]
    assert create_ner(NerSpec(name="none"), batch_size=7).tag(["a", "b"]) == [[], []]


@pytest.mark.parametrize("spec, message", [
    (NerSpec(name="no-such-model"), "unknown NER model"),
    (NerSpec(name="none", options={"colour": "red"}), "bad options"),
    (NerSpec(name="spacy", options={"model": "no_such_spacy_model"}), "cannot be loaded"),
    (NerSpec(name="kg2instruction.ner.base:NoSuchThing"), "cannot import"),
])
def test_bad_ner_specs_are_config_errors(spec: NerSpec, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create_ner(spec)
