# Two commands set troth up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

DEMO_SHOP_DB := $(CURDIR)/examples/demo/.troth/demo-shop.db

run: $(STAMP)
	$(BIN)/python examples/demo/load_shop.py $(DEMO_SHOP_DB)
	DEMO_SHOP_DATABASE_URL=sqlite:///$(DEMO_SHOP_DB) $(BIN)/troth run examples/demo/troth.yaml

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .troth build *.egg-info
