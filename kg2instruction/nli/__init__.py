"""NLI verification of candidate triples: premise extraction, hypothesis templates, entailment
scorers (`hf` backend for any Hugging Face NLI model) and our own offline verifier (`verifier/`).

The pipeline stages that use this live in `kg2instruction.stages.nli_filter`; this package holds
only pure functions and model wrappers so each piece is testable without the framework."""
