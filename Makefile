# Two commands do everything on a fresh machine:  make demo  and  make test.
SHELL := /bin/bash
PYTHON ?= python3
# end-to-end test workers, a file each (pytest-xdist; 0: one process, as before)
E2E_WORKERS ?= 2
VENV := .venv
BIN := $(VENV)/bin
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export MELTANO_CLI_DISABLE_VERSION_CHECK := true
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

PACKAGES := twilio-emulator/pyproject.toml tap-twilio/pyproject.toml webhooks/pyproject.toml \
	analyze/pyproject.toml target-duckdb/pyproject.toml pyproject.toml

.PHONY: help install demo dashboard report browser test lint format run bench bench-bulkexport dist clean

help:
	@echo "make demo     - install everything, run the whole pipeline on the Twilio emulator"
	@echo "make dashboard - the Streamlit dashboard on the demo's marts (after make demo)"
	@echo "make report   - output/report.html: the overview as one self-contained HTML file"
	@echo "make test     - install everything, lint, and run every test suite"
	@echo "make run      - run the twilio-elt job in MELTANO_ENV (default dev), alerting on failure"
	@echo "make bench    - tap-twilio beside Airbyte and singer-io, then the pipeline with our loader"
	@echo "               and target-duckdb 0.8.0 (BENCH_ARGS=--help)"
	@echo "make bench-bulkexport - tap-twilio's backfill: list API beside BulkExport files"
	@echo "make lint     - ruff, sqlfluff (dbt SQL), yamllint and actionlint"
	@echo "make format   - ruff format and fix, sqlfluff fix"
	@echo "make dist     - build the published packages' sdists and wheels into dist/, twine check"
	@echo "make clean    - remove the virtualenv, Meltano's plugins and the output"

install: $(VENV)/.installed .meltano/.installed

$(VENV)/.installed: $(PACKAGES)
	@echo "==> Creating $(VENV) and installing the project (Python: $$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e ./twilio-emulator -e "./tap-twilio[test]" \
		-e "./target-duckdb[test]" -e "./webhooks[postgres,tap,test]" -e "./analyze[app,test]" \
		-e ".[dev]"
	@touch $@

.meltano/.installed: meltano.yml $(VENV)/.installed
	@echo "==> Installing the Meltano plugins (taps, targets, dbt, warehouse-snapshot)"
	$(BIN)/meltano install
	@touch $@

demo: install
	$(BIN)/python -m switchboard.demo

# Both read the snapshot each pipeline run publishes, never the warehouse it writes.
SNAPSHOT ?= output/warehouse.snapshot.duckdb
DASHBOARD_PORT ?= 8501
dashboard: install
	$(BIN)/python -m switchboard_analyze.serve --port $(DASHBOARD_PORT) --snapshot $(SNAPSHOT)

report: install
	$(BIN)/python -m switchboard_analyze.report --snapshot $(SNAPSHOT) --output output/report.html

# Headless Chromium for the dashboard's end-to-end test: Debian's package, installed
# where it is missing and apt-get may run (as root, or through sudo without a password);
# elsewhere the test says how to install it and skips (it fails under CI).
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
		|| command -v google-chrome >/dev/null; then :; \
	elif ! command -v apt-get >/dev/null; then \
		echo "==> No Chromium and no apt-get: the dashboard's browser test will skip"; \
	else \
		if [ "$$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo=sudo; \
		else echo "==> No Chromium and not root: the dashboard's browser test will skip"; exit 0; fi; \
		echo "==> Installing Chromium (Debian's chromium package)"; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

test: install lint browser
	@echo "==> twilio-emulator tests"
	cd twilio-emulator && ../$(BIN)/python -m pytest -q
	@echo "==> tap-twilio tests"
	cd tap-twilio && ../$(BIN)/python -m pytest -q
	@echo "==> target-duckdb tests"
	cd target-duckdb && ../$(BIN)/python -m pytest -q
	@echo "==> twilio-webhooks tests (PostgreSQL tests skip when initdb/pg_ctl are absent)"
	cd webhooks && ../$(BIN)/python -m pytest -q
	@echo "==> switchboard-analyze tests (dashboard pages, snapshot, report)"
	cd analyze && ../$(BIN)/python -m pytest -q
	@echo "==> end-to-end tests (the real Meltano pipeline against the emulator; $(E2E_WORKERS) workers)"
	$(BIN)/python -m pytest -q -n $(E2E_WORKERS) --dist loadfile tests

lint: $(VENV)/.installed
	$(BIN)/python tap-twilio/scripts/sync_about.py --check
	$(BIN)/python transform/scripts/sync_sources.py --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint transform
	$(BIN)/yamllint -s .
	$(BIN)/actionlint

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix transform

MELTANO_ENV ?= dev
run: install
	$(BIN)/python -m switchboard.jobs twilio-elt --environment $(MELTANO_ENV)

# Opt-in, never part of make test: the issue's full size takes hours with the peers
# (docs/performance.md says what was run). E.g. BENCH_ARGS='--messages 100000 --runs 3'.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench.extraction $(BENCH_ARGS)

# What PyPI gets: the tap, the loader, the emulator the tap's tests need, the webhook
# receiver. DIST_PACKAGES=tap-twilio builds one; RELEASE_TAG=tap-twilio-v0.2.0 builds the
# one a tag names and checks its version (.github/workflows/release.yml publishes that).
DIST_PACKAGES ?=
RELEASE_TAG ?=
dist: $(VENV)/.installed
	$(BIN)/python -m switchboard.dist $(if $(RELEASE_TAG),--release-tag $(RELEASE_TAG)) $(DIST_PACKAGES)

# E.g. BULK_BENCH_ARGS='--days 30 --messages-per-day 10000 --runs 3'.
BULK_BENCH_ARGS ?=
bench-bulkexport: install
	$(BIN)/python -m bench.bulkexport $(BULK_BENCH_ARGS)

clean:
	rm -rf dist $(VENV) .meltano output/*.duckdb output/*.log output/*.sqlite3* output/*.html \
		transform/target transform/logs
