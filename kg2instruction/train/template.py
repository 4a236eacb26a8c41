"""Prompt templates shared by training and prediction.

A model must see at prediction time exactly the prompt it was tuned on, so `train` and
`evaluate.prompts` both build prompts here. The paper tuned with the Alpaca template; `plain` (the
instruction alone) suits base models queried zero-shot without any tuning.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt with and without an `input` field; the model's answer follows the prompt.

    `stop` are the markers of a next turn: a model that has not learnt to end its answer (any
    base model) goes on to write "### Instruction:" after it, and the answer ends where that
    begins, as any chat server's stop sequences would end it. Strict scoring then reads the
    answer itself, not the model's invented next turn."""

    name: str
    with_input: str
    without_input: str
    stop: tuple[str, ...] = ()

    def render(self, instruction: str, input_text: str = "") -> str:
        if input_text:
            return self.with_input.format(instruction=instruction, input=input_text)
        return self.without_input.format(instruction=instruction)


ALPACA = PromptTemplate(
    "alpaca",
    with_input=("Below is an instruction that describes a task, paired with an input that provides "
                "further context. Write a response that appropriately completes the request.\n\n"
                "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"),
    without_input=("Below is an instruction that describes a task. Write a response that "
                   "appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n"
                   "### Response:\n"),
    stop=("\n### ", "### Instruction:", "### Input:", "### Response:"),
)
PLAIN = PromptTemplate("plain", with_input="{instruction}\n{input}\n",
                       without_input="{instruction}\n")

TEMPLATES: dict[str, PromptTemplate] = {t.name: t for t in (ALPACA, PLAIN)}


def get_template(name: str) -> PromptTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown prompt template {name!r}; expected one of "
                         f"{sorted(TEMPLATES)}") from None
