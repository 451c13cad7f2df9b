"""An isolated run of the real Meltano project, for end-to-end tests."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

from switchboard import meltano, reconcile, webhooks
from switchboard.emulated import EmulatorProcess

ROOT = Path(__file__).resolve().parent.parent

# Local days in a zone with a DST change inside the test's 45 days (2026-11-01).
REPORTING_TIMEZONE = "America/New_York"


@dataclass
class Pipeline:
    """The real Meltano project, writing its warehouse, state and dbt files under tmp."""

    emulator: EmulatorProcess
    workdir: Path
    reporting_timezone: str = REPORTING_TIMEZONE
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. TAP_TWILIO_* settings
    warehouse_file: Path | None = None  # default: warehouse.duckdb in workdir
    # Every stream, those the tap leaves off by default too (each is reconciled); False:
    # what meltano.yml selects, as a user's run reads.
    select_all: bool = True
    # Under pytest-xdist, this worker's own Meltano system directory (see conftest).
    sys_dir: ClassVar[Path | None] = None

    @property
    def warehouse(self) -> Path:
        return self.warehouse_file or self.workdir / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        return {
            **self.emulator.tap_env(),
            "TARGET_DUCKDB_FILEPATH": str(self.warehouse),
            "DBT_DUCKDB_PATH": str(self.warehouse),
            "MELTANO_STATE_BACKEND_URI": f"file://{self.workdir / 'state'}",
            "DBT_TARGET_PATH": str(self.workdir / "dbt-target"),
            "DBT_LOG_PATH": str(self.workdir / "dbt-logs"),
            "DBT_REPORTING_TIMEZONE": self.reporting_timezone,
            # No safety margin: an incremental build must get by on exactly the rows
            # loaded since the previous one (the default margin only adds work).
            "DBT_INCREMENTAL_LOOKBACK_HOURS": "0",
            # No webhook receiver unless a test starts one (never the demo's store).
            "TAP_TWILIO_WEBHOOKS_STORE_URL": "",
            **({"TAP_TWILIO__SELECT": '["*.*"]'} if self.select_all else {}),
            **({meltano.SYS_DIR_ENV: str(self.sys_dir)} if self.sys_dir else {}),
            **self.extra_env,
        }

    def truth(self) -> dict:
        return self.emulator.truth(self.reporting_timezone)

    def meltano(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        result = meltano.run(
            ["--environment=dev", *args],
            env={**self.env(), **(env or {})},
            capture=True,
            timeout=timeout,
        )
        with (self.workdir / "meltano.log").open("a") as log:
            log.write(result.stdout + result.stderr)
        return result

    def run(self, *tasks: str) -> None:
        """``meltano run <tasks>``; fails the test with Meltano's last lines on error."""
        result = self.meltano("run", *tasks)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
            pytest.fail(f"meltano run {' '.join(tasks)} exited {result.returncode}:\n{tail}")

    def invoke(self, *args: str) -> None:
        """``meltano invoke <plugin> <args>``; fails the test with the last lines on error."""
        result = self.meltano("invoke", *args)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
            pytest.fail(f"meltano invoke {' '.join(args)} exited {result.returncode}:\n{tail}")

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.execute(sql, params).fetchall()

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)


@dataclass
class LivePipeline(Pipeline):
    """The pipeline with a webhook receiver: the webhook tap reads its store."""

    receiver: webhooks.ReceiverProcess | None = None

    def env(self) -> dict[str, str]:
        assert self.receiver is not None
        return {**super().env(), **self.receiver.tap_env()}


def assert_reconciles(pipeline: Pipeline) -> dict:
    """The marts equal the truth exactly, and hold each message and call exactly once."""
    truth = pipeline.truth()  # local days in the pipeline's reporting timezone
    with pipeline.connect() as conn:
        problems = reconcile.differences(truth, reconcile.mart_summary(conn))
        assert problems == [], "\n".join(problems)
        for table, key, kind in (
            ("fct_messages", "message_sid", "messages"),
            ("fct_calls", "call_sid", "calls"),
        ):
            rows, distinct = conn.execute(
                f"select count(*), count(distinct {key}) from analytics.{table}"  # noqa: S608
            ).fetchone()
            expected = sum(account[kind]["total"] for account in truth["accounts"].values())
            assert rows == distinct == expected, f"{table}: {rows} rows, {distinct} distinct"
    return truth


# The tap's streams: one JSON schema each (read as files: tests never import the tap).
TAP_STREAMS = {p.stem for p in (ROOT / "tap-twilio/tap_twilio/schemas").glob("*.json")}
RAW_SOURCES = {"twilio", "twilio_webhooks"}  # dbt sources of the raw_twilio schema


def staging_models_by_raw_table(pipeline: Pipeline) -> dict[str, list[str]]:
    """Raw table -> the models that read it with source(), from dbt's last manifest."""
    manifest = json.loads((pipeline.workdir / "dbt-target" / "manifest.json").read_text())
    raw = {
        uid: source
        for uid, source in manifest["sources"].items()
        if source["source_name"] in RAW_SOURCES
    }
    declared = {s["identifier"] for s in raw.values() if s["source_name"] == "twilio"}
    missing = sorted(TAP_STREAMS - declared)
    assert not missing, f"streams without a source table in _twilio__sources.yml: {missing}"
    sources = {uid: source["identifier"] for uid, source in raw.items()}
    readers: dict[str, list[str]] = {table: [] for table in sources.values()}
    for node in manifest["nodes"].values():
        for uid in node["depends_on"].get("nodes", []):
            if node["resource_type"] == "model" and uid in sources:
                assert node["name"].startswith("stg_"), f"{node['name']} reads a source"
                readers[sources[uid]].append(node["name"])
    return readers


def assert_staging_matches_raw(pipeline: Pipeline) -> set[str]:
    """Every raw table has one staging model, holding exactly one row per raw key.

    The key is the loader's primary key (the one the tap declares, which target-duckdb
    writes in each table's comment); a source whose table was never loaded must give an
    empty model. Returns the tables absent.
    """
    readers = staging_models_by_raw_table(pipeline)
    with pipeline.connect() as conn:
        keys = {
            table: json.loads(comment)["key_properties"]
            for table, comment in conn.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'raw_twilio'"
            ).fetchall()
            if comment and json.loads(comment).get("key_properties")
        }
        tables = {
            t
            for (t,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_twilio'"
            ).fetchall()
        }
        assert set(keys) == tables, f"raw tables without a primary key: {tables - set(keys)}"
        assert tables <= set(readers), f"raw tables no source declares: {tables - set(readers)}"
        for table, models in sorted(readers.items()):
            assert len(models) == 1, f"raw_twilio.{table} is read by {models or 'no model'}"
            staged = conn.execute(f"select count(*) from staging.{models[0]}").fetchone()[0]  # noqa: S608
            if table not in tables:
                assert staged == 0, f"{models[0]}: {staged} rows from a table never loaded"
                continue
            columns = ", ".join(f'"{c}"' for c in keys[table])
            distinct = conn.execute(
                f"select count(*) from (select distinct {columns} from raw_twilio.{table})"  # noqa: S608
            ).fetchone()[0]
            assert staged == distinct > 0, f"{models[0]}: {staged} rows, {distinct} raw keys"
    return set(readers) - tables


# The truth's per-account record counts of 2010 API streams (products are under "products"),
# and those it counts per status too.
COUNTED = ("addresses", "dependent_phone_numbers", "applications", "keys", "outgoing_caller_ids",
           "queues", "short_codes", "usage_triggers", "message_media", "call_events",
           "conference_participants")  # fmt: skip
COUNTED_BY_STATUS = ("conferences", "recordings", "transcriptions")
# The truth's "shared" counts Twilio's catalogs (numbers for sale, prices: the same for
# every account) per stream; off by default in the tap, but Meltano's default `select`
# (`*.*`) selects every stream. Its "forgets" names the streams whose records Twilio
# forgets while the warehouse keeps them (alerts after 30 days, tasks 5 minutes after
# they end...).


def truth_totals(truth: dict) -> dict[str, int]:
    """Per stream the truth counts, its records over every account (or in the catalog)."""
    totals: dict[str, int] = dict(truth["shared"])
    for account in truth["accounts"].values():
        for stream, count in {**account["products"], **{s: account[s] for s in COUNTED}}.items():
            totals[stream] = totals.get(stream, 0) + count
    return totals


def assert_staging_reconciles(pipeline: Pipeline, truth: dict, *, first_run: bool) -> None:
    """Every stream's staging model holds exactly the emulator's records, per account
    (and per status where the truth counts them), and each account's balance exactly.

    After an incremental run statuses are compared per account only: a record created
    before the lookback keeps the status it was read with (a recording deleted a week
    after it was made is not re-read), as docs/reliability.md says.
    """
    forgets = set(truth["forgets"])
    expected: dict[str, dict[tuple[str, ...], int]] = {}
    for sid, account in truth["accounts"].items():
        counts = {**account["products"], **{s: account[s] for s in COUNTED}}
        for stream, count in counts.items():
            expected.setdefault(stream, {})[(sid,)] = count
        for stream in COUNTED_BY_STATUS:
            if first_run:
                for status, count in account[stream]["by_status"].items():
                    expected.setdefault(stream, {})[(sid, status)] = count
            else:
                expected.setdefault(stream, {})[(sid,)] = account[stream]["total"]
    with pipeline.connect() as conn:
        for stream, per_key in expected.items():
            per_status = first_run and stream in COUNTED_BY_STATUS
            group = "account_sid, status" if per_status else "account_sid"
            rows = conn.execute(
                f"select {group}, count(*) from staging.stg_twilio__{stream} group by all"  # noqa: S608
            ).fetchall()
            staged = {tuple(row[:-1]): row[-1] for row in rows}
            wanted = {key: n for key, n in per_key.items() if n}
            if first_run or stream not in forgets:
                assert staged == wanted, stream
            else:
                assert all(staged.get(key, 0) >= n for key, n in wanted.items()), stream
        for stream, count in truth["shared"].items():
            table = f"staging.stg_twilio__{stream}"
            staged = conn.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
            # a run lists today's catalog; the warehouse keeps every number seen for sale
            assert staged == count if first_run else staged >= count, stream
        balances = conn.execute(
            "select account_sid, currency, cast(balance_amount as varchar) "
            "from staging.stg_twilio__account_balance"
        ).fetchall()
    # Only the balances Twilio serves: none of a closed or suspended account, nor of a
    # child account without balance information (its Balance.json is a 404).
    assert {sid: {currency: amount} for sid, currency, amount in balances} == {
        sid: a["balance"] for sid, a in truth["accounts"].items() if a["balance_served"]
    }
