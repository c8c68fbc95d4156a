# Entry points a newcomer reads first. Every target builds .venv on its own.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := demo-out

.PHONY: demo test test-all bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m cli.demo --out $(DEMO_DIR)

# The everyday run (pytest 7–10 min on 2 cores, 2026-12): everything but the tests marked slow
# (large instances, the long national and Ray runs, the bench smoke run) and the oracles.
test: $(STAMP)
	$(BIN)/pytest -q -m "not slow and not oracle"

# Everything, as CI runs it: the slow tests and the solver oracles too (10–15 min on 2 cores).
test-all: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/polku bench --out benchmarks
	$(BIN)/python -m benchmarks.gap_suite benchmarks/.instances/gap
	$(BIN)/polku bench --gap-dir benchmarks/.instances/gap --best-known benchmarks/gap_generated_best_known.csv --time-limit 60
	$(BIN)/polku bench --gap-dir benchmarks/gapdata --best-known benchmarks/gapdata/best_known.csv --time-limit 10

# The same checks as .pre-commit-config.yaml; any finding fails.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .benchmarks
