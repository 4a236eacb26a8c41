"""Prediction with a real tiny model: batched, resumable without duplicates, scored by eval."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg2instruction.errors import InputError
from kg2instruction.evaluate import evaluate_files
from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator
from kg2instruction.evaluate.predict import PredictionJob, predict_file, read_done_counts
from kg2instruction.train.template import ALPACA


class CountingGenerator:
    """Wraps a real generator to record the prompts it was asked for."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.prompts: list[str] = []

    def generate(self, prompts):
        self.prompts.extend(prompts)
        return self.inner.generate(prompts)


@pytest.fixture(scope="module")
def tiny_generator(tiny_model_dir: Path) -> TransformersGenerator:
    return TransformersGenerator.load(str(tiny_model_dir), GenerationSettings(max_new_tokens=6))


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_batched_greedy_generation_is_independent_of_batching(tiny_generator):
    prompts = [ALPACA.render("Extract the relations.", "Ada married Bob."),
               ALPACA.render("List the entities of the long input below, please.", "NGC1313 x")]
    together = tiny_generator.generate(prompts)
    alone = [tiny_generator.generate([p])[0] for p in prompts]
    assert together == alone and all(isinstance(t, str) for t in together)


def test_interrupted_prediction_resumes_without_duplicates(dataset_dir: Path, tiny_generator,
                                                           tmp_path: Path):
    out = tmp_path / "preds.jsonl"
    job = PredictionJob(dataset_dir, out, ALPACA, batch_size=2, limit=3)
    first = predict_file(job, CountingGenerator(tiny_generator), log=lambda _: None)
    assert first.written == 3 and len(_ids(out)) == 3
    with open(out, "a", encoding="utf-8") as fh:  # a kill mid-write leaves a torn line
        fh.write('{"id": "torn", "outp')
    counting = CountingGenerator(tiny_generator)
    rest = predict_file(PredictionJob(dataset_dir, out, ALPACA, batch_size=2), counting,
                        log=lambda _: None)
    assert rest.already_done == 3 and rest.written == 2 and len(counting.prompts) == 2
    test_ids = [json.loads(line)["id"] for line in
                (dataset_dir / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(_ids(out)) == sorted(test_ids)
    report = evaluate_files(dataset_dir / "test.jsonl", out)  # `kg2i eval` reads the output
    overall = report["tasks"]["relation"]["overall"]
    gold_triples = sum(len(json.loads(json.loads(line)["label"])) for line in
                       (dataset_dir / "test.jsonl").read_text(encoding="utf-8").splitlines())
    assert overall["records"] == 5 and overall["missing_predictions"] == 0
    assert overall["gold"] == gold_triples


def test_k_shot_prompts_use_dev_examples(dataset_dir: Path, tiny_generator, tmp_path: Path):
    counting = CountingGenerator(tiny_generator)
    job = PredictionJob(dataset_dir, tmp_path / "p.jsonl", ALPACA, shots=2, seed=7, limit=1)
    predict_file(job, counting, log=lambda _: None)
    dev_outputs = [json.loads(line)["output"] for line in
                   (dataset_dir / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    (prompt,) = counting.prompts
    assert sum(output in prompt for output in dev_outputs) == 2
    assert prompt.count("### Response:") == 3


def test_only_themes_restricts_prediction(dataset_dir: Path, tiny_generator, tmp_path: Path):
    out = tmp_path / "p.jsonl"
    summary = predict_file(PredictionJob(dataset_dir, out, ALPACA, split="dev",
                                         only_themes=("astronomy",)), tiny_generator,
                           log=lambda _: None)
    assert summary.total == summary.written == 1


def test_bad_existing_output_and_test_records_without_id(dataset_dir: Path, tmp_path: Path):
    out = tmp_path / "p.jsonl"
    out.write_text('{"id": "a", "output": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        read_done_counts(out)
    test = tmp_path / "test.jsonl"
    test.write_text('{"instruction": "Q"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="expected an 'id'"):
        predict_file(PredictionJob(test, tmp_path / "q.jsonl", ALPACA), None, log=lambda _: None)


def test_missing_adapter_folder_is_named(tiny_model_dir: Path, tmp_path: Path):
    with pytest.raises(InputError, match="not a LoRA adapter") as caught:
        TransformersGenerator.load(str(tiny_model_dir), GenerationSettings(),
                                   adapter=tmp_path / "no-adapter")
    assert "no-adapter" in str(caught.value)


def test_rerun_with_other_settings_is_refused(dataset_dir: Path, tiny_generator, tmp_path: Path):
    out = tmp_path / "p.jsonl"
    first = PredictionJob(dataset_dir, out, ALPACA, limit=1, producer={"model": "a"})
    predict_file(first, tiny_generator, log=lambda _: None)
    with pytest.raises(InputError, match="differs in model"):
        predict_file(PredictionJob(dataset_dir, out, ALPACA, producer={"model": "b"}),
                     tiny_generator, log=lambda _: None)
    with pytest.raises(InputError, match="differs in shots"):
        predict_file(PredictionJob(dataset_dir, out, ALPACA, shots=5, producer={"model": "a"}),
                     tiny_generator, log=lambda _: None)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_chunks_sharing_an_id_resume_in_order_and_are_scored_merged(instruction_splits,
                                                                    tiny_generator,
                                                                    tmp_path: Path):
    """An exported test file holds a record's schema chunks as lines with one id: a resumed run
    counts what each id already has, and eval pairs the k-th answer with the k-th line."""
    kg = instruction_splits["test"][0]
    schema = json.loads(kg["instruction"])
    chunks = []
    for k, part in enumerate(("first", "second", "third")):   # three chunks of one record
        instruction = json.dumps(dict(schema, instruction=f"{schema['instruction']} ({part})"),
                                 ensure_ascii=False)
        chunks.append(dict(kg, instruction=instruction))
    folder = tmp_path / "iepile" / "KG"
    folder.mkdir(parents=True)
    test = folder / "test.jsonl"
    test.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunks),
                    encoding="utf-8")
    out = tmp_path / "preds.jsonl"
    counting = CountingGenerator(tiny_generator)
    first = predict_file(PredictionJob(tmp_path / "iepile", out, ALPACA, batch_size=1, limit=2),
                         counting, log=lambda _: None)
    assert first.written == 2 and _ids(out) == [kg["id"]] * 2
    rest = predict_file(PredictionJob(tmp_path / "iepile", out, ALPACA, batch_size=1), counting,
                        log=lambda _: None)
    assert (rest.already_done, rest.written) == (2, 1)
    assert ["(third)" in p for p in counting.prompts] == [False, False, True]
    assert _ids(out) == [kg["id"]] * 3
    overall = evaluate_files(test, out)["tasks"]["relation"]["overall"]
    assert (overall["records"], overall["instructions"]) == (1, 3)
    assert overall["gold"] == len(json.loads(kg["label"]))   # the label counts once
