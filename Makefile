# Everything the project needs, from nothing: `make run` and `make test` each build the venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run migrate test lint typecheck pytest reliability clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/panelbot db upgrade

run: $(STAMP)
	$(BIN)/panelbot run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# One worker per core; each has its own PostgreSQL database and SQLite files (tests/conftest.py).
pytest: $(STAMP)
	$(BIN)/pytest -q -n auto --dist worksteal

test: lint typecheck pytest

# The hardening campaign at full strength; writes the table in docs/reliability.md.
reliability: $(STAMP)
	$(BIN)/python -m bench.reliability

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
