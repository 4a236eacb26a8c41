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
    """The real generate() halts at a stop string: it returns fewer new tokens than without one
    whenever the unconstrained continuation holds the marker (the output is cut either way, so
    the token count is what shows that generation itself stopped)."""
    plain = TransformersGenerator.load(str(tiny_model_dir), GenerationSettings(max_new_tokens=24))
    prompt = ["Below is an instruction"]
    free = plain.generate(prompt)[0]
    marker = next((c for c in free[1:] if not c.isspace()), None)
    assert marker is not None, "the tiny model wrote nothing to stop at"
    stopped = TransformersGenerator(plain.model, plain.tokenizer,
                                    GenerationSettings(max_new_tokens=24, stop=(marker,)),
                                    seq2seq=False)
    lengths = {}
    real_generate = plain.model.generate

    def counting(*args, **kwargs):
        out = real_generate(*args, **kwargs)
        lengths["stop" if "stop_strings" in kwargs else "free"] = out.shape[1]
        return out

    plain.model.generate = counting
    try:
        assert marker not in stopped.generate(prompt)[0]
        plain.generate(prompt)
    finally:
        plain.model.generate = real_generate
    assert lengths["stop"] < lengths["free"]
