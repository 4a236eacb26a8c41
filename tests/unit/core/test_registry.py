from __future__ import annotations

import pytest

from kg2instruction.core import MapStage, Stage, register_stage
from kg2instruction.core.registry import (find_stage, known_stage_names, resolve_stage_ref,
                                          stage_ref)
from kg2instruction.core.run_layout import RESERVED_RUN_DIRS


def test_builtin_stage_is_imported_on_first_use() -> None:
    assert "read_wikipedia" in known_stage_names()
    cls = find_stage("read_wikipedia")
    assert cls is not None and cls.kind == "source"
    assert resolve_stage_ref(stage_ref(cls)) is cls
    assert find_stage("no_such_stage") is None
    assert find_stage("../etc") is None


def test_registration_rejects_bad_declarations() -> None:
    with pytest.raises(TypeError, match="stage name"):
        register_stage(type("Bad", (MapStage,), {"name": "Bad-Name"}))
    with pytest.raises(TypeError, match="subclass"):
        register_stage(type("Plain", (Stage,), {"name": "plain_stage"}))
    register_stage(type("Once", (MapStage,), {"name": "registered_once"}))
    with pytest.raises(TypeError, match="registered twice"):
        register_stage(type("Twice", (MapStage,), {"name": "registered_once",
                                                   "__module__": "elsewhere"}))


@pytest.mark.parametrize("name", sorted(RESERVED_RUN_DIRS))
def test_registration_refuses_the_run_dirs_own_folder_names(name: str) -> None:
    with pytest.raises(TypeError, match=f"stage name '{name}' is reserved"):
        register_stage(type("Shadow", (MapStage,), {"name": name}))
    assert find_stage(name) is None
