"""Options shared by several command groups: `--cache-dir`, `--pipeline`, `--theme`.

`--cache-dir` is accepted by the root (`kg2i --cache-dir DIR run ...`) and by every command that
reads or writes a run (`kg2i run --cache-dir DIR ...`). Its callback hands the folder to
`config.pipeline.set_cache_dir_override`, so every pipeline the command loads (the run itself,
export, report, refresh, audit, cache gc) uses it without each loader taking a parameter.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

CACHE_DIR_HELP = ("cache root for this command (runs live in <dir>/<pipeline name>/); wins over "
                  "$KG2I_CACHE_DIR and the pipeline's cache_dir:")


def use_cache_dir(value: Optional[Path]) -> Optional[Path]:
    """Typer callback: a given `--cache-dir` becomes the cache root of every pipeline loaded."""
    if value is not None:
        from kg2instruction.config.pipeline import set_cache_dir_override

        set_cache_dir_override(value)
    return value


CacheDirOpt = Annotated[Optional[Path], typer.Option(
    "--cache-dir", help=CACHE_DIR_HELP, callback=use_cache_dir, file_okay=False)]
PipelineOpt = Annotated[Path, typer.Option("--pipeline", "-p", help="pipelines/<name>.yaml")]
ThemeOpt = Annotated[str, typer.Option("--theme", "-t", help="theme name (themes/<name>.yaml)")]
