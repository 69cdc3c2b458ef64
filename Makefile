# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: run test lint fmt lock bench clean debian-test-deps assets

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
	$(BIN)/lint-imports

test: $(VENV)/.test debian-test-deps lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

fmt: $(VENV)/.test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate both locks (needs uv: `pip install uv`); the test lock is constrained by the runtime lock.
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -q -c requirements.lock -o requirements-test.lock

# wrk loads the servers and bench_soak starts a redis-server of its own: installed here when
# missing (root with apt-get), else say how. The soak also needs PostgreSQL (VIVA_BENCH_PG_ADMIN).
BENCH_ENGINES ?= sqlite
BENCH_SOAK_ARGS ?= --users 10000 --duration 180
bench: $(VENV)/.test
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "wrk is missing: apt-get install -y wrk"; \
	    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y wrk >/dev/null; } || exit 1; \
	  else \
	    echo "wrk is needed: run 'sudo apt-get install wrk' (Debian/Ubuntu) or 'brew install wrk'" >&2; \
	    exit 1; \
	  fi; }
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "redis-server is missing: apt-get install -y redis-server"; \
	    apt-get install -y redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y redis-server >/dev/null; } || exit 1; \
	  else \
	    echo "redis-server is needed (bench_soak): 'sudo apt-get install redis-server' or 'brew install redis'" >&2; \
	    exit 1; \
	  fi; }
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_signed_in.py --engines $(BENCH_ENGINES)
	$(BIN)/python bench/bench_ws.py
	$(BIN)/python bench/bench_soak.py $(BENCH_SOAK_ARGS)

# The vendored editor bundle (CodeMirror 6 + Yjs), from frontend/package-lock.json; needs npm.
assets:
	cd frontend && npm ci --no-audit --no-fund && node build.mjs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts

# Browser libraries from npm (package.json + package-lock.json), copied into the tree and committed:
# ReDoc for /redoc, axe-core for the e2e accessibility checks. Nothing runs Node at run time.
.PHONY: vendor
vendor:
	npm ci --ignore-scripts
	mkdir -p src/viva/web/static/vendor/redoc tests/e2e/vendor/axe-core
	cp node_modules/redoc/bundles/redoc.standalone.js node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt node_modules/redoc/LICENSE src/viva/web/static/vendor/redoc/
	echo "redoc $$(node -p "require('./node_modules/redoc/package.json').version") (npm), MIT" > src/viva/web/static/vendor/redoc/VERSION
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE node_modules/axe-core/LICENSE-3RD-PARTY.txt tests/e2e/vendor/axe-core/
	echo "axe-core $$(node -p "require('./node_modules/axe-core/package.json').version") (npm), MPL-2.0" > tests/e2e/vendor/axe-core/VERSION
