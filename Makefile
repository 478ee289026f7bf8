# Every target CI uses lives here, so a local run and a CI run are the same run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS ?= corpus
SHARED ?= ../shared

.PHONY: venv run index test lint unit bench bench-reliability eval eval-smoke clean

venv: $(STAMP)

# torch first, pinned to the CPU wheel on this disk: an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Builds (or refreshes) the index of corpus/ when it is missing or stale, then serves it.
run: venv
	$(BIN)/newsqa index build $(CORPUS) --if-stale
	$(BIN)/newsqa serve

index: venv
	$(BIN)/newsqa index build $(CORPUS) --if-stale

lint: venv
	$(BIN)/ruff check indexer service eval bench tests
	$(BIN)/ruff format --check indexer service eval bench tests
	$(BIN)/mypy

test: venv lint
	$(BIN)/python -m pytest

unit: venv
	$(BIN)/python -m pytest -m "not slow"

# Full-corpus figures for the README: indexing throughput against plain encode, then the
# service's latency, throughput, memory and cold start over the eval index (built by `make eval`
# or here, once).
bench: venv
	$(BIN)/newsqa bench index --corpus $(SHARED)/data/corpus
	$(BIN)/newsqa index build $(SHARED)/data/corpus $(CORPUS) --index var/eval-index --if-stale
	$(BIN)/newsqa bench service --index var/eval-index \
		--questions $(SHARED)/data/questions/realtimeqa.jsonl
	$(BIN)/newsqa bench retrieval --index var/eval-index \
		--questions $(SHARED)/data/questions/realtimeqa.jsonl

# Reliability suites (bench/reliability_cli.py): load, overload, soak, swap, crash, corrupt and
# fuzz over the index of corpus/; about 25 minutes on two cores. `load` needs wrk
# (apt-get install wrk). JSON in bench/results/.
bench-reliability: venv
	$(BIN)/python -m bench.reliability_cli all

eval: venv
	$(BIN)/newsqa eval run --suite eval/suites/dev.toml

# About 50 questions end to end: checks that every metric is computed and every file written.
eval-smoke: venv
	$(BIN)/newsqa eval run --suite eval/suites/smoke.toml

clean:
	rm -rf var runs .pytest_cache .mypy_cache .ruff_cache
