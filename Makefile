# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: run test lint fmt lock bench clean debian-test-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies from the lock, then Viva itself (editable, no dependency resolution).
$(VENV)/.runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.test: requirements-test.lock $(VENV)/.runtime
	$(PIP) install --require-hashes -r requirements-test.lock
	touch $@

run: $(VENV)/.runtime
	$(BIN)/viva serve

debian-test-deps:
	@bash scripts/debian-test-deps.sh

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(VENV)/.test debian-test-deps lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

fmt: $(VENV)/.test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate both locks (needs uv: `pip install uv`); the test lock is constrained by the runtime lock.
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -q -c requirements.lock -o requirements-test.lock

bench: $(VENV)/.test
	$(BIN)/python bench/bench_http.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
