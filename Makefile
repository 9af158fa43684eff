PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup dev deploy demo test check lint typecheck bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e .

# the versions the tests passed with (constraints.txt; regenerate: scripts/write-constraints.py)
deploy: $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt '.[adjust]'

dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'

demo: setup
	$(BIN)/caselink demo

test: dev
	$(BIN)/pytest

lint: dev
	$(BIN)/ruff check src tests bench

typecheck: dev
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
