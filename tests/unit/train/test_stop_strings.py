"""A base model's answer ends where it starts inventing the next turn."""
from __future__ import annotations

from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator, cut_at_stop
from kg2instruction.train.template import get_template


def test_answer_is_cut_at_the_first_next_turn_marker():
    stop = get_template("alpaca").stop
    answer = '{"person": [{"head": "Ada", "relation": "occupation", "tail": "mathematician"}]}'
    assert cut_at_stop(f"{answer}\n\n### Response:\n{answer}", stop) == answer
    assert cut_at_stop(f"{answer}\n### Instruction:\nnext", stop) == answer
    assert cut_at_stop(f"  {answer}  ", stop) == answer
    assert cut_at_stop(answer, ()) == answer
    assert get_template("plain").stop == ()


def test_generation_stops_at_a_stop_string(tiny_model_dir):
    """The real generate() with stop strings: whatever the tiny model writes, no output holds a
    marker, and without stop strings the same prompt may run on."""
    settings = GenerationSettings(max_new_tokens=24, stop=(" ", "\n"))
    generator = TransformersGenerator.load(str(tiny_model_dir), settings)
    outputs = generator.generate(["Below is an instruction", "### Response:\n"])
    assert len(outputs) == 2
    assert all(" " not in o and "\n" not in o for o in outputs)
