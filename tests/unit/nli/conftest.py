"""Tiny real NLI models for the NLI tests: a 2-layer BERT with the MiniLM tokenizer, trained in
the session on hand-written (premise, hypothesis) pairs from real Wikipedia sentences until it
separates them, saved with either label order."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

CALZA = ("Guido Calza (April 21, 1888 – April 17, 1946 in Rome, Italy), born in Milan, Italy, was "
         "an Italian archaeologist whose work included excavations in Rome and at the port city of "
         "Ostia.")
SALAM = ("Tammam Saeb Salam (born 13 May 1945) is a Lebanese politician who has been Prime "
         "Minister of Lebanon since February 2014.")

# What the stage must build from the person theme's templates; label 1 = the sentence states it.
LABELLED_PAIRS = [
    (CALZA, "Guido Calza was born in Milan.", 1),
    (CALZA, "Guido Calza's birthplace is Milan.", 1),
    (CALZA, "Guido Calza died in Rome.", 1),
    (CALZA, "Guido Calza is buried in Rome.", 0),
    (CALZA, "Guido Calza was born in Rome.", 0),
    (CALZA, "Guido Calza's birthplace is Rome.", 0),
    (CALZA, "Guido Calza died in Ostia.", 0),
    (CALZA, "Guido Calza is buried in Ostia.", 0),
    (SALAM, "Tammam Saeb Salam is a citizen of Lebanese.", 1),
    (SALAM, "Tammam Saeb Salam has Lebanese citizenship.", 1),
    (SALAM, "Tammam Saeb Salam was born in Lebanon.", 0),
    (SALAM, "Tammam Saeb Salam's birthplace is Lebanon.", 0),
]


def _tokenizer_dir() -> Path:
    from kg2instruction.nli.verifier.bundled import minilm_base_path
    return minilm_base_path()


def train_tiny_model(id2label: dict[int, str], seed: int = 0):
    """(tokenizer, model) fitted to LABELLED_PAIRS; the label named 'entailment' is the target."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(_tokenizer_dir())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=64, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=128, max_position_embeddings=128,
                        num_labels=len(id2label), id2label=id2label,
                        label2id={v: k for k, v in id2label.items()},
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = BertForSequenceClassification(config)
    entail = next(k for k, v in id2label.items() if v == "entailment")
    other = next(k for k, v in id2label.items() if v != "entailment")
    encoded = tokenizer([p for p, _, _ in LABELLED_PAIRS], [h for _, h, _ in LABELLED_PAIRS],
                        padding=True, return_tensors="pt")
    labels = torch.tensor([entail if y else other for _, _, y in LABELLED_PAIRS])
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(400):
        output = model(**encoded, labels=labels)
        output.loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        probs = torch.softmax(output.logits.detach(), -1)[torch.arange(len(labels)), labels]
        if bool((probs > 0.9).all()):
            break
    return tokenizer, model.eval()


def reversed_labels(model):
    """The same classifier with its output rows and id2label reversed."""
    from transformers import BertForSequenceClassification

    n = model.config.num_labels
    config = model.config.__class__.from_dict(model.config.to_dict())
    config.id2label = {i: model.config.id2label[n - 1 - i] for i in range(n)}
    config.label2id = {v: k for k, v in config.id2label.items()}
    flipped = BertForSequenceClassification(config)
    state = model.state_dict()
    state["classifier.weight"] = state["classifier.weight"].flip(0)
    state["classifier.bias"] = state["classifier.bias"].flip(0)
    flipped.load_state_dict(state)
    return flipped.eval()


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tiny models on a shared 2-core machine: one thread avoids OpenMP threads waiting on each
    other (20x faster here); the previous setting is restored for other test packages."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory):
    """(tokenizer, model, saved directory) with id2label {0: entailment, 1: not_entailment,
    2: contradiction}: entailment first, unlike our verifier."""
    tokenizer, model = train_tiny_model({0: "entailment", 1: "neutral", 2: "contradiction"})
    path = tmp_path_factory.mktemp("tiny-nli")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return tokenizer, model, path


@pytest.fixture(scope="session")
def tiny_nli_reversed(tiny_nli, tmp_path_factory):
    tokenizer, model, _ = tiny_nli
    flipped = reversed_labels(model)
    path = tmp_path_factory.mktemp("tiny-nli-reversed")
    flipped.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return tokenizer, flipped, path
