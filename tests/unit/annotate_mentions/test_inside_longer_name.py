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
