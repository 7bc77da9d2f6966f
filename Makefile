# The two commands a newcomer needs:  make serve  and  make test.
# Both create .venv/ at the repository root and install what they need on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: serve test test-fast lint typecheck bench clean-data

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[render,dev,history]'
	touch $(STAMP)

serve: $(STAMP)  ## the API with demo data on embedded SQLite (./data)
	$(VENV)/bin/tryon serve

test: $(STAMP)  ## the whole suite (PostgreSQL and NATS tests run when those servers are up)
	$(VENV)/bin/pytest

test-fast: $(STAMP)
	$(VENV)/bin/pytest -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check domain application projections adapters render_engine tests bench

typecheck: $(STAMP)  ## mypy --strict over the whole repository: every package, tests and bench (pyproject.toml)
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python bench/commands.py

clean-data:
	rm -rf data
