# Two commands do everything on a fresh machine:  make demo  and  make test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export MELTANO_CLI_DISABLE_VERSION_CHECK := true
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

PACKAGES := twilio-emulator/pyproject.toml tap-twilio/pyproject.toml webhooks/pyproject.toml pyproject.toml

.PHONY: help install demo test lint format run bench clean

help:
	@echo "make demo     - install everything, run the whole pipeline on the Twilio emulator"
	@echo "make test     - install everything, lint, and run every test suite"
	@echo "make run      - run the twilio-elt job in MELTANO_ENV (default dev), alerting on failure"
	@echo "make bench    - tap-twilio beside Airbyte and singer-io, then the pipeline (BENCH_ARGS=--help)"
	@echo "make lint     - ruff, sqlfluff (dbt SQL), yamllint and actionlint"
	@echo "make format   - ruff format and fix, sqlfluff fix"
	@echo "make clean    - remove the virtualenv, Meltano's plugins and the output"

install: $(VENV)/.installed .meltano/.installed

$(VENV)/.installed: $(PACKAGES)
	@echo "==> Creating $(VENV) and installing the project (Python: $$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./twilio-emulator -e "./tap-twilio[test]" \
		-e "./webhooks[postgres,tap,test]" -e ".[dev]"
	@touch $@

.meltano/.installed: meltano.yml $(VENV)/.installed
	@echo "==> Installing the Meltano plugins (tap-twilio, tap-twilio-webhooks, target-duckdb, dbt-duckdb)"
	$(BIN)/meltano install
	@touch $@

demo: install
	$(BIN)/python -m switchboard.demo

test: install lint
	@echo "==> twilio-emulator tests"
	cd twilio-emulator && ../$(BIN)/python -m pytest -q
	@echo "==> tap-twilio tests"
	cd tap-twilio && ../$(BIN)/python -m pytest -q
	@echo "==> twilio-webhooks tests (PostgreSQL tests skip when initdb/pg_ctl are absent)"
	cd webhooks && ../$(BIN)/python -m pytest -q
	@echo "==> end-to-end tests (the real Meltano pipeline against the emulator)"
	$(BIN)/python -m pytest -q tests

lint: $(VENV)/.installed
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

clean:
	rm -rf $(VENV) .meltano output/*.duckdb output/*.log output/*.sqlite3* transform/target transform/logs
