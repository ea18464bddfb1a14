# Everything the project needs, from nothing: `make run` builds the venv with the runtime
# dependencies only; `make test` (and `make install`, for development) adds the tools.
# Python 3.11 or newer; name another than python3 with: make run PYTHON=python3.12
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MADE := $(VENV)/.made
RUNTIME := $(VENV)/.runtime
DEV := $(VENV)/.dev
NEEDS := 3.11

.PHONY: setup install run migrate test lint typecheck pytest reliability clean rebuild-venv

version_of = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
recent_enough = $(shell $(1) -c 'import sys; print(int(sys.version_info >= (3, 11)))' 2>/dev/null)
PYTHON_VERSION := $(call version_of,$(PYTHON))
VENV_VERSION := $(call version_of,$(BIN)/python)

# A venv made by a Python too old, or by another one than PYTHON=… names, is made again.
ifneq ($(wildcard $(BIN)/python),)
ifneq ($(call recent_enough,$(BIN)/python),1)
$(MADE): rebuild-venv
endif
ifeq ($(origin PYTHON),command line)
ifneq ($(VENV_VERSION),$(PYTHON_VERSION))
$(MADE): rebuild-venv
endif
endif
endif

rebuild-venv: ;

$(MADE):
	@if [ "$(call recent_enough,$(PYTHON))" != 1 ]; then \
	  echo "Panelbot needs Python $(NEEDS) or newer, and $(PYTHON) is $(or $(PYTHON_VERSION),not found)." \
	    "Name one that is: make $(or $(MAKECMDGOALS),install) PYTHON=python3.12" >&2; \
	  exit 1; \
	fi
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv || echo 'uv not installed: pip installs instead'
	touch $@

# uv (from PyPI, into the venv) installs what pyproject.toml asks for: the dev tools in about
# 5 s where pip took 40-50 s, most of a fresh clone's install time. uv reads none of pip's
# configuration (a mirror, find-links, a company CA), so where it cannot install, pip does.
INSTALL = $(BIN)/uv pip install --quiet --python $(BIN)/python $(1) || $(BIN)/pip install --quiet $(1)

# What `panelbot` needs to run, and no more.
$(RUNTIME): pyproject.toml $(MADE)
	$(call INSTALL,-e .)
	touch $@

# The development tools too: pytest, ruff, mypy, … One run installs both (resolving and
# building the package once), and so the runtime's stamp is made here too.
$(DEV): pyproject.toml $(MADE)
	$(call INSTALL,-e '.[dev]')
	touch $(RUNTIME) $@

# The venv for a server: `panelbot` and its runtime dependencies.
setup: $(RUNTIME)

install: $(DEV)

migrate: $(RUNTIME)
	$(BIN)/panelbot db upgrade

run: $(RUNTIME)
	$(BIN)/panelbot run

# manifest.yml is the copy of bot/slack/manifest.yml (the one the package ships) people read.
manifest.yml: bot/slack/manifest.yml
	cp $< $@

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV)
	$(BIN)/mypy

# One worker more than there are cores: end-to-end tests spend a third of their time waiting
# (bot subprocesses starting, leases running out, a deliberately slow Slack), and the extra
# worker keeps the cores busy then (2 cores: 323 s with 2 workers, 245 s with 3). Two more
# overran `serve`'s SIGTERM window. Each worker has its own PostgreSQL database and SQLite
# files (tests/conftest.py). TEST_WORKERS=… overrides.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(1 + (len(os.sched_getaffinity(0)) \
  if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))')

pytest: $(DEV) manifest.yml
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal

test: lint typecheck pytest

# The hardening campaign at full strength; writes the table in docs/reliability.md.
reliability: $(DEV)
	$(BIN)/python -m bench.reliability

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
