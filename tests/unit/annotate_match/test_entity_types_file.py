"""The entity-types file setting shared by the stages that read entity categories."""
from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from kg2instruction.core.context import StageContext
from kg2instruction.stages.apply_schema import ApplySchemaConfig
from kg2instruction.stages.build_records import BuildRecordsConfig
from kg2instruction.stages.entity_types_file import DEFAULT_ENTITY_TYPES_FILE
from kg2instruction.stages.link_entities import LinkEntitiesConfig
from kg2instruction.stages.make_instructions import MakeInstructionsConfig
from kg2instruction.stages.route_themes import RouteThemesConfig
from kg2instruction.stages.type_entities import TypeEntitiesConfig

CONFIGS = [ApplySchemaConfig, BuildRecordsConfig, LinkEntitiesConfig, MakeInstructionsConfig,
           RouteThemesConfig, TypeEntitiesConfig]


def _ctx(base_dir: Path) -> StageContext:
    return StageContext(stage="s", shard_id=None, lang=None, languages=("en",), seed=0,
                        theme=None, artifacts={}, base_dir=base_dir)


@pytest.mark.parametrize("config_class", CONFIGS)
def test_every_stage_loads_the_projects_entity_types(config_class: type, fixtures_dir: Path
                                                     ) -> None:
    repo = fixtures_dir.parents[1]
    config = config_class()
    assert config.entity_types_file == DEFAULT_ENTITY_TYPES_FILE
    types = config.load_entity_types(_ctx(repo))
    assert "human" in types.categories and types.priority


@pytest.mark.parametrize("config_class", CONFIGS)
def test_entity_types_file_outside_the_project_is_refused(config_class: type, tmp_path: Path
                                                          ) -> None:
    config = config_class(entity_types_file="../entity_types.yaml")
    with pytest.raises(ValueError, match="outside the project"):
        config.load_entity_types(_ctx(tmp_path / "project"))


def test_unknown_keys_are_still_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        TypeEntitiesConfig(entity_types_fille="x.yaml")
