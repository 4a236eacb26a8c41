"""Stage: PARAGRAPHS -> MENTIONS (links, subject, repeats, KG-neighbour names, NER, values).

The logic lives in `kg2instruction.annotate.mentions` (pure functions over Arrow tables); this
wrapper only picks the NER model per language (loaded once per worker, on the first shard of that
language) and reports the funnel: mentions kept per source, NER labels dropped, overlaps dropped.
"""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pydantic

from kg2instruction.annotate.mentions import MentionConfig, identify_mentions
from kg2instruction.core import MapStage, StageConfig, StageContext, execution_knob, register_stage
from kg2instruction.errors import ConfigError
from kg2instruction.ner import DEFAULT_NER_BY_LANG, NerModel, NerSpec, create_ner
from kg2instruction.schemas import MENTIONS


class IdentifyMentionsConfig(StageConfig):
    ner: dict[str, NerSpec] = pydantic.Field(
        default_factory=lambda: dict(DEFAULT_NER_BY_LANG),
        description="NER model per language: registered name ('spacy', 'lac', 'none') or "
                    "'package.module:Factory', with its options")
    mentions: MentionConfig = MentionConfig()
    ner_batch_size: int | None = execution_knob(128, "texts per NER batch (nlp.pipe)")


@register_stage
class IdentifyMentions(MapStage):
    """PARAGRAPHS -> MENTIONS."""

    name = "identify_mentions"
    version = "15"  # 9: gloss language labels are no mentions; 10: nationality words;
    #                 11: none hyphened to the next word; 12: their own source, nationality;
    #                 13: "Town, Region" neighbour names split in two; 14: a nationality word
    #                 naming a tied country's official language; 15: in Chinese text, no part
    #                 of a longer Latin-script phrase
    Config = IdentifyMentionsConfig
    requires = ("read_wikipedia", "build_kg")
    uses_model = True
    theme_fields = ()
    key = ("paragraph_id", "start", "end")
    config: IdentifyMentionsConfig

    def setup(self, ctx: StageContext) -> None:
        missing = [lang for lang in ctx.languages if lang not in self.config.ner]
        if missing:
            raise ConfigError(f"no NER model for language(s) {missing}; add them under "
                              "identify_mentions.ner (name 'none' runs without NER)",
                              key="identify_mentions.ner")
        self._ners: dict[str, NerModel] = {}

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        paragraphs = inputs["read_wikipedia"]
        langs = sorted(set(paragraphs.column("lang").to_pylist()))
        ners = {lang: self._ner(lang) for lang in langs}
        mentions, counts = identify_mentions(paragraphs, ctx.kg, ners, self.config.mentions)
        ctx.count_all(counts)
        return mentions.cast(MENTIONS)

    def _ner(self, lang: str) -> NerModel:
        """Loaded on first use: a worker that only sees Chinese shards never loads spaCy."""
        if lang not in self._ners:
            spec = self.config.ner.get(lang)
            if spec is None:
                raise ConfigError(f"no NER model for language {lang!r}", key="identify_mentions.ner")
            self._ners[lang] = create_ner(spec, self.config.ner_batch_size)
        return self._ners[lang]
