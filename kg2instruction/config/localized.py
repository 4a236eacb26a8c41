"""Text shown to users in both languages the project generates data for."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class LocalizedText(BaseModel):
    """A label in English and Chinese; every theme label and category name has both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: NonEmpty
    zh: NonEmpty

    def in_lang(self, lang: str) -> str:
        """The text in `lang` ('en' or 'zh'; regional Chinese codes such as zh-hans use zh)."""
        if lang == "en":
            return self.en
        if lang.startswith("zh"):
            return self.zh
        raise ValueError(f"unsupported language {lang!r}: expected 'en' or 'zh'")
