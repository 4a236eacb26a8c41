"""A name-index match that is part of a longer proper name names the longer thing."""
from __future__ import annotations

import pytest

from kg2instruction.annotate.mentions import inside_longer_name


@pytest.mark.parametrize(("text", "name", "inside"), [
    ("the Tony Blair Africa Governance Initiative", "Africa", True),
    ("the Trans-Canada network", "Canada", True),
    ("the Lincoln Memorial", "Lincoln", True),
    ("in Washington DC", "Washington", True),
    ("President Lincoln was shot", "Lincoln", False),     # a title before a name is fine
    ("in Canada. The next", "Canada", False),
    ("in Canada and Mexico", "Canada", False),
    ("Paris (France) is", "Paris", False),
])
def test_inside_longer_name(text: str, name: str, inside: bool) -> None:
    start = text.index(name)
    assert inside_longer_name(text, start, start + len(name)) is inside


@pytest.mark.parametrize(("text", "name", "inside"), [
    ("葡萄牙语是巴西的官方语言。", "葡萄牙", True),        # the language, not the country
    ("小亚细亚位于亚洲西部。", "亚细亚", True),            # Asia Minor, not Asia
    ("美国国会位于华盛顿。", "美国", True),                # the Congress, not the country
    ("东京都是日本的首都。", "东京", True),
    ("葡萄牙位于欧洲西南部。", "葡萄牙", False),
    ("英国首都伦敦", "伦敦", False),
    ("距离佛罗里达州迈阿密东南", "佛罗里达州", False),
])
def test_a_chinese_name_inside_a_longer_word(text: str, name: str, inside: bool) -> None:
    from kg2instruction.text.zh_words import splits_a_word, word_boundaries

    start = text.index(name)
    assert splits_a_word(word_boundaries(text), start, start + len(name)) is inside


@pytest.mark.parametrize(("text", "name", "derived"), [
    ("葡萄牙语是巴西的官方语言。", "葡萄牙", True),        # a language
    ("奥斯曼土耳其人攻陷君士坦丁堡。", "土耳其", True),    # a people
    ("小亚细亚位于亚洲西部。", "亚细亚", True),            # another place
    ("长驻英国伦敦。", "伦敦", False),                     # glued by the segmenter, still London
    ("葡萄牙位于欧洲西南部。", "葡萄牙", False),
])
def test_a_chinese_ner_span_that_is_the_stem_of_a_derived_word(text: str, name: str,
                                                               derived: bool) -> None:
    from kg2instruction.text.zh_words import derived_word, word_boundaries

    start = text.index(name)
    assert derived_word(text, word_boundaries(text), start, start + len(name)) is derived


@pytest.mark.parametrize(("text", "name", "label"), [
    ("A county-level city (Chinese: 县级市) is a county-level division.", "Chinese", True),
    ("Russia (Russian: Россия, tr. Rossiya) is a country.", "Russian", True),
    ("Columbus (Italian: Cristoforo Colombo; Spanish: Cristóbal Colón) sailed.", "Spanish", True),
    ("郡治（英语：County town）是各郡首府。", "英语", True),
    ("a prefecture city (1949–1970: 专辖市; 1970–1983: Chinese: 地辖市) is", "Chinese", True),
    ("The Chinese government: a history.", "Chinese", False),     # no gloss bracket
    ("Its capital (Montgomery) is", "Montgomery", False),         # no colon after
    ("the states (Alabama, Georgia) are", "Georgia", False),
])
def test_a_language_label_of_a_gloss_is_no_mention(text: str, name: str, label: bool) -> None:
    from kg2instruction.annotate.mentions import is_gloss_label

    start = text.index(name)
    assert is_gloss_label(text, start, start + len(name)) is label


@pytest.mark.parametrize("text,name", [
    ("Medals (Germany: 12, France: 9) were shared.", "Germany"),     # a tally, not a gloss
    ("In 2010, Canada: a history was published.", "Canada"),         # no bracket
    ("主要城市，北京：首都。", "北京"),
])
def test_a_name_before_a_colon_outside_a_gloss_stays_a_mention(text: str, name: str) -> None:
    from kg2instruction.annotate.mentions import is_gloss_label

    start = text.index(name)
    assert not is_gloss_label(text, start, start + len(name))


@pytest.mark.parametrize("text,name,inside", [
    ("敲击金属（Thrash Metal，或称激流金属）属于重金属音乐", "Thrash", True),
    ("蓝调摇滚（英语：Blues rock）是融合了蓝调与摇滚元素", "rock", True),
    ("待分类的广泛性发展障碍 (PDD-NOS)、和儿童期崩解症", "PDD", True),
    ("伦理学（英语：Ethics 或 Moral Philosophy）也称为道德哲学", "Moral", True),
    ("伦理学（英语：Ethics 或 Moral Philosophy）也称为道德哲学", "Ethics", False),
    ("节奏布鲁斯（英语：rhythm and blues，简称：R&B或RnB）", "R&B", False),
    ("敲击金属（Thrash Metal，或称激流金属）属于重金属音乐", "Thrash Metal", False),
    ("美国国家航空航天局（NASA）", "NASA", False),
    ("位于美国", "美国", False),
])
def test_a_latin_name_inside_a_longer_latin_phrase_of_chinese_text(text: str, name: str,
                                                                   inside: bool) -> None:
    from kg2instruction.text.zh_words import splits_a_latin_phrase

    start = text.index(name)
    assert splits_a_latin_phrase(text, start, start + len(name)) is inside
