# Two commands: `make run` (set up, migrate, demo data, serve) and `make test` (set up, whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test lint format bench bench-tools stress clean-db lock collect-static deploy-check

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Serve the app with demo data on the embedded SQLite database; mail stays in the outbox
# (readable by the coordinator) unless MAIL_SERVER is set, when a worker sends it. Email links follow PORT.
run: setup
	PORT=$(PORT) TRACKER_ENV=$${TRACKER_ENV:-development} $(FLASK) db upgrade
	PORT=$(PORT) TRACKER_ENV=$${TRACKER_ENV:-development} $(FLASK) demo load
	PORT=$(PORT) TRACKER_ENV=$${TRACKER_ENV:-development} $(BIN)/python -m tracker.devserver --host $(HOST) --port $(PORT)

PY_SOURCES := tracker tests $(wildcard bench) deploy migrations/env.py config.py wsgi.py

lint: setup
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix $(PY_SOURCES)
	$(BIN)/ruff format $(PY_SOURCES)

# The whole suite. With TRACKER_TEST_POSTGRES_URL set, database tests run on SQLite and PostgreSQL.
# Two worker processes (pytest-xdist): each makes its own databases, SMTP server and browser.
TEST_WORKERS ?= 2
test: setup lint
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# `make bench` installs the load tool it needs (wrk, from Debian's packages) when it is missing;
# `make bench SCALE=10` measures the regional data set (200,000 people) against a tenth of it.
SCALE ?= 1
bench: setup bench-tools
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)

bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing wrk (Debian package) for the throughput measurements"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null \
			|| { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }; \
	}

stress: setup
	$(BIN)/python -m bench.stress $(STRESS_ARGS)

# requirements.lock: every package the server installs, pinned with its hashes, from pyproject.toml's dependencies
# (production only; `pip install --require-hashes -r requirements.lock`). Run after changing a dependency.
lock: setup
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml
	sed -i 's|^#    pip-compile .*|#    make lock|' requirements.lock

# The front-end files for production, with a manifest of content hashes (no Node on the server at run time).
STATIC_ROOT ?= public
collect-static: setup
	$(BIN)/python -m tracker.common.assets $(STATIC_ROOT)

# The production stack from deploy/ on this machine, tested through nginx (needs nginx, redis-server, PostgreSQL).
deploy-check: setup
	TRACKER_TEST_POSTGRES_URL=$${TRACKER_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/pytest -p no:xdist -p no:cacheprovider deploy/check $(PYTEST_ARGS)
