"""The plain-text extracts reader (`<QID>.txt` in a zip or folder) on real zhwiki leads, and its
errors: each bad input is one InputError naming the archive and the member."""
from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest

from kg2instruction.config.pipeline import SourceFile
from kg2instruction.errors import InputError
from kg2instruction.schemas import PARAGRAPHS
from kg2instruction.sources.extracts import paragraph_texts, read_extracts
from kg2instruction.sources.paragraph_length import count_tokens
from kg2instruction.sources.paragraphs import ParagraphConfig, paragraphs_to_table
from kg2instruction.stages.read_wikipedia import _format_of
from kg2instruction.text.normalize import to_simplified


@pytest.fixture(scope="module")
def extracts_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "wikipedia" / "zh-extracts"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_folder_of_real_extracts_becomes_paragraph_rows(extracts_dir: Path) -> None:
    funnel: Counter[str] = Counter()
    pages = list(read_extracts(extracts_dir, "zh", funnel=funnel))
    rows = [row for page in pages for row in page]
    assert paragraphs_to_table(rows).schema.equals(PARAGRAPHS)
    # pages come in QID order whatever the listing order
    assert [page[0]["page_qid"] for page in pages if page] == ["Q150", "Q1183", "Q5119",
                                                                "Q1025961", "Q2074737"]
    assert funnel["pages"] == 5 and funnel["paragraphs"] == len(rows)
    for row in rows:
        assert row["page_id"] == row["page_qid"] and row["rev_id"] is None
        assert row["paragraph_id"] == f"zh:{row['page_qid']}:{row['index']}"
        assert row["links"] == [] and row["subject_spans"] == [] and row["section"] == ""
        assert row["source"] == "zh-extracts" and count_tokens(row["text"]) >= 50
        assert row["text"] == to_simplified(row["text"])         # simplified like dump text
    titles = {row["page_qid"]: row["title"] for row in rows}
    assert titles["Q1183"] == "波多黎各" and titles["Q2074737"] == "市镇 (西班牙)"
    # every character of the source text is kept, in order (only line breaks joined)
    original = to_simplified("".join((extracts_dir / "Q1183.txt").read_text("utf-8").split()))
    assert "".join(r["text"] for r in rows if r["page_qid"] == "Q1183").replace(" ", "") == original


def test_short_lines_join_the_next_and_a_short_tail_joins_the_last() -> None:
    config_min = 10
    text = "甲乙丙。\n丁戊己庚辛壬癸子丑寅。\n卯辰巳午未申酉戌亥天地。\n玄黄。"
    assert paragraph_texts(text, "zh", config_min) == [
        "甲乙丙。丁戊己庚辛壬癸子丑寅。", "卯辰巳午未申酉戌亥天地。玄黄。"]
    assert paragraph_texts("Short one.\nAnother short line here.", "en", 3) == [
        "Short one. Another short line here."]
    assert paragraph_texts("only a few", "en", 50) == ["only a few"]   # dropped later by length
    assert paragraph_texts("\n \n", "en", 5) == []


def test_zip_with_titles_and_pipeline_format(tmp_path: Path, extracts_dir: Path) -> None:
    archive = _zip(tmp_path / "zh.zip", {
        "extracts/": b"", "extracts/Q1183.txt": (extracts_dir / "Q1183.txt").read_bytes(),
        "extracts/Q150.txt": (extracts_dir / "Q150.txt").read_bytes(),
        "extracts/titles.tsv": "Q150\t法语\n".encode(), "README.md": b"notes"})
    rows = [r for page in read_extracts(archive, "zh", ParagraphConfig(min_tokens=20))
            for r in page]
    assert {r["title"] for r in rows} == {"法语", "Q1183"}     # no title known: the QID
    override = [r for page in read_extracts(archive, "zh", titles={"Q1183": "波多黎各"})
                for r in page]
    assert {r["title"] for r in override} == {"法语", "波多黎各"}
    assert _format_of(SourceFile(path="zh.zip", lang="zh"), archive) == "extracts"
    assert _format_of(SourceFile(path="a.xml.bz2", lang="en"), Path("a.xml.bz2")) == "xml"


@pytest.mark.parametrize("members, expected", [
    ({"extracts/Q1.txt": "文本".encode(), "extracts/Einstein.txt": b"text"},
     "member 'extracts/Einstein.txt': expected a file named <QID>.txt"),
    ({"a/Q7.txt": "文本".encode(), "b/Q7.txt": "文本".encode()}, "Q7 is also 'a/Q7.txt'"),
    ({"Q9.txt": "文本".encode("gb18030")}, "member 'Q9.txt' is not UTF-8 text"),
    ({"README.md": b"nothing here"}, "no <QID>.txt extracts found"),
    ({"Q3.txt": "文本".encode(), "titles.tsv": b"Q3 no tab here\n"},
     "member 'titles.tsv': expected 'QID<TAB>title'"),
])
def test_bad_archives_are_one_clear_error(tmp_path: Path, members: dict[str, bytes],
                                          expected: str) -> None:
    archive = _zip(tmp_path / "bad.zip", members)
    with pytest.raises(InputError) as raised:
        list(read_extracts(archive, "zh"))
    message = str(raised.value)
    assert message.startswith(str(archive)) and expected in message and "\n" not in message


def test_corrupt_and_missing_archives(tmp_path: Path, extracts_dir: Path) -> None:
    good = _zip(tmp_path / "good.zip", {"Q150.txt": (extracts_dir / "Q150.txt").read_bytes()})
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[:-30])
    for path, expected in ((truncated, "not a readable zip archive"),
                           (tmp_path / "absent.zip", "file not found")):
        with pytest.raises(InputError, match=expected) as raised:
            list(read_extracts(path, "zh"))
        assert "\n" not in str(raised.value)
    damaged = bytearray(good.read_bytes())
    damaged[40:60] = b"\0" * 20                    # inside the member's compressed bytes
    (tmp_path / "damaged.zip").write_bytes(bytes(damaged))
    with pytest.raises(InputError) as raised:
        list(read_extracts(tmp_path / "damaged.zip", "zh"))
    assert str(raised.value).startswith(str(tmp_path / "damaged.zip"))
