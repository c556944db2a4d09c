# Shirube — quick start: `make demo` (run it) and `make test` (prove it).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: setup demo test test-sqlite test-postgres test-sdk sdk chromium lint schema bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

sdk_js/node_modules/.installed: sdk_js/package.json sdk_js/package-lock.json
	cd sdk_js && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tests/e2e/node_modules/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Rebuild the browser SDK bundle into server/static/sdk/ (committed).
sdk: sdk_js/node_modules/.installed
	cd sdk_js && node build.mjs

## Debian's chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; \
	fi

## Migrate, seed a demo workspace and serve the demo app (/demo/) on SQLite.
demo: setup
	$(VENV)/bin/shirube demo

## The whole suite: SDK unit tests, then pytest on SQLite, then again on PostgreSQL when one answers.
test: setup chromium sdk_js/node_modules/.installed tests/e2e/node_modules/.installed
	cd sdk_js && npm test --silent
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$SHIRUBE_TEST_POSTGRES_URL" ] || $(PY) -c "import psycopg,sys; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable on 127.0.0.1:5432: skipped the PostgreSQL run"; fi

test-sqlite: setup
	env -u SHIRUBE_TEST_POSTGRES_URL $(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

test-postgres: setup
	SHIRUBE_TEST_POSTGRES_URL=$${SHIRUBE_TEST_POSTGRES_URL:-$(PG_URL)} $(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

test-sdk: sdk_js/node_modules/.installed
	cd sdk_js && npm test

lint: setup
	$(VENV)/bin/ruff check server tests

## Benchmarks vs same-run baselines (needs wrk: apt-get install wrk); appends to bench/RESULTS.md.
bench: setup sdk_js/node_modules/.installed
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install wrk"; exit 1; }
	node bench/sdk_size.mjs
	$(PY) bench/bench_bootstrap.py $$(pg_isready -q -h 127.0.0.1 -p 5432 && echo --postgres)
	$(PY) bench/bench_intake.py $$(pg_isready -q -h 127.0.0.1 -p 5432 && echo --postgres)

## Regenerate guides/schema.json from the guide-file model.
schema: setup
	$(PY) -m server.guides.schema

clean:
	rm -rf $(VENV) sdk_js/node_modules shirube.db* shirube-demo.db*
