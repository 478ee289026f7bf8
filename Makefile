# Every target CI uses lives here, so a local run and a CI run are the same run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS ?= corpus
SHARED ?= ../shared

.PHONY: venv browser run index test lint unit bench bench-generative bench-slack bench-reliability eval eval-unanswerable eval-no-asof eval-smoke clean

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

# A headless Chromium for the web page's tests (tests/service/web): Debian's package, installed
# when no Chromium or Chrome is on PATH and apt-get can run (as root, or with password-less sudo;
# the package lists are refreshed only if the first try fails). Never fatal: without a browser,
# those tests skip and say why. Playwright only drives it; it never downloads a browser.
BROWSERS ?= chromium chromium-browser google-chrome-stable google-chrome
browser:
	@for name in $(BROWSERS); do command -v $$name >/dev/null 2>&1 && exit 0; done; \
	if ! command -v apt-get >/dev/null 2>&1; then sudo=none; \
	elif [ "$$(id -u)" = 0 ]; then sudo=; \
	elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else sudo=none; fi; \
	if [ "$$sudo" = none ]; then \
		echo "make browser: no Chromium, and apt-get cannot run here: the browser tests will skip"; \
		exit 0; \
	fi; \
	install="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium"; \
	$$install || { $$sudo apt-get update -qq && $$install; } || \
		echo "make browser: could not install chromium: the browser tests will skip"

# The browser's apt install runs beside pip's (both mostly wait on downloads), then lint, then
# the tests; --output-sync keeps each step's output in one piece.
test:
	$(MAKE) --no-print-directory -j2 --output-sync=target lint browser
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
	$(BIN)/newsqa index build $(CORPUS) --index var/index --if-stale
	$(BIN)/newsqa bench names --corpus $(CORPUS) --index var/index
	$(BIN)/newsqa bench names --corpus $(SHARED)/data/corpus --index var/eval-index \
		--out bench/results/names-shared.json

# Generative answers against a loopback LLM that answers in a fixed 200 ms (about 2.5 minutes, so
# apart from `bench`): newsqa's overhead at 16 clients, time to the first streamed delta, prompt
# tokens against the budget.
bench-generative: venv
	$(BIN)/newsqa index build $(SHARED)/data/corpus $(CORPUS) --index var/eval-index --if-stale
	$(BIN)/newsqa bench generative --index var/eval-index \
		--questions $(SHARED)/data/questions/realtimeqa.jsonl

# The Slack bot against the loopback Slack (about 2 minutes on the busy 2-core machine, so apart
# from `bench`): 300 signed events at 32 concurrent to a real 2-worker newsqa serve over an index
# of corpus/, three fresh servers: acknowledgement latency, answers delivered, duplicates.
bench-slack: index
	$(BIN)/newsqa bench slack --index var/index --repeats 3

# Reliability suites (`newsqa bench reliability`, bench/reliability_cli.py): load, overload,
# soak, swap, crash, corrupt and fuzz over the index of corpus/; about 25 minutes on two cores.
# `load` needs wrk (apt-get install wrk). JSON in bench/results/.
bench-reliability: venv
	$(BIN)/newsqa bench reliability all

# The dev suite, then the unanswerable sets (rebuilt where the eval index changed): per set EM/F1,
# MultiHop-RAG's accuracy (yes/no included), abstention, answered precision and ECE.
eval: venv
	$(BIN)/newsqa eval run --suite eval/suites/dev.toml
	$(MAKE) eval-unanswerable

# Gold articles (and their copies) removed from a copy of the eval index, and questions about
# names no article mentions: the right output is always an abstention.
eval-unanswerable: venv
	$(BIN)/newsqa eval unanswerable build --if-stale
	$(BIN)/newsqa eval run --suite eval/suites/unanswerable.toml

# The same questions without their dates (question only).
eval-no-asof: venv
	$(BIN)/newsqa eval run --suite eval/suites/dev-no-asof.toml

# About 50 questions end to end: checks that every metric is computed and every file written.
eval-smoke: venv
	$(BIN)/newsqa eval run --suite eval/suites/smoke.toml

clean:
	rm -rf var runs .pytest_cache .mypy_cache .ruff_cache
