"""Alpaca export: ``{"instruction", "input", "output"}``, the shape generic SFT trainers accept.

The instruction row already keeps the task statement (`prompt`) apart from the paragraph
(`input`), so the Alpaca record is a projection; nothing is re-rendered, and an Alpaca output is
byte-identical to the output of the instruction it comes from.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

def to_alpaca(row: Mapping[str, Any]) -> dict[str, str]:
    """The Alpaca record of one INSTRUCTIONS row."""
    return {"instruction": row["prompt"], "input": row["input"], "output": row["output"]}
