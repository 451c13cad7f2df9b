"""The whole pipeline on the benchmark's data: ``meltano run`` from the API to the marts.

A fresh warehouse, state and dbt target under a run directory; the project's
``meltano.yml`` pointed at the emulator, with the tap's own default selection
(``LEAN_SELECTION``: the project loads every stream, which costs one request per
call, MMS message, conversation and execution on top). After a full run the marts
are reconciled with the emulator's truth; the same command again, with no new data,
is the incremental no-op run. target-duckdb 0.8.0 (``target-duckdb--jwills``, on
DuckDB 1.2.2) loads the same data into its own file, without dbt: the loaders compared.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.extraction import measure
from switchboard import meltano, reconcile
from switchboard.emulated import EmulatorProcess
from tap_twilio.streams import STREAM_TYPES

ROOT = Path(__file__).resolve().parents[2]
JWILLS = "target-duckdb--jwills"  # target-duckdb 0.8.0 on DuckDB 1.2.2 (meltano.yml)
# Every stream but those the tap leaves off by default (the numbers for sale and the
# children read with one request per parent record), from the tap's own classes.
# Meltano selects every stream otherwise; it reads this from the environment.
LEAN_SELECTION = json.dumps(
    ["*.*"] + [f"!{s.name}.*" for s in STREAM_TYPES if not s.selected_by_default]
)


@dataclass
class Pipeline:
    emulator: EmulatorProcess
    workdir: Path
    start_date: str
    loader: str = "target-duckdb"

    @property
    def warehouse(self) -> Path:
        return self.workdir / f"warehouse-{self.loader}.duckdb"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **meltano.MELTANO_ENV,
            **self.emulator.tap_env(),
            "TAP_TWILIO_START_DATE": self.start_date,
            "TAP_TWILIO__SELECT": LEAN_SELECTION,
            "TARGET_DUCKDB_FILEPATH": str(self.warehouse),
            "TARGET_DUCKDB__JWILLS_FILEPATH": str(self.warehouse),
            "DBT_DUCKDB_PATH": str(self.warehouse),
            "MELTANO_STATE_BACKEND_URI": f"file://{self.workdir / 'state'}",
            "DBT_TARGET_PATH": str(self.workdir / "dbt-target"),
            "DBT_LOG_PATH": str(self.workdir / "dbt-logs"),
            "TAP_TWILIO_WEBHOOKS_STORE_URL": "",  # no webhook receiver in this benchmark
        }

    def run(
        self,
        log: Path,
        timeout: float,
        *,
        transform: bool = True,
        env: dict[str, str] | None = None,
    ) -> measure.Measured:
        """``meltano run tap-twilio <loader> [dbt-duckdb:build]``, measured (``env``: settings
        added for this run only)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = [meltano.meltano_executable(), "--environment=dev", "run", "tap-twilio", self.loader]
        args += ["dbt-duckdb:build"] if transform else []
        with log.open("ab") as out:
            out.write(f"\n==> {' '.join(args[1:])}\n".encode())
        return measure.run(
            args,
            cwd=ROOT,
            env={**self.env(), **(env or {})},
            stdout=log,
            stderr=log,
            timeout=timeout,
            append=True,
        )

    def differences(self, truth: dict) -> list[str]:
        """Where the marts differ from the truth (empty: they reconcile exactly)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return reconcile.differences(truth, reconcile.mart_summary(conn))

    def raw_rows(self) -> dict[str, int]:
        """Rows of messages and calls, and of every raw table (``all``)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            counts = {
                table: conn.execute(f"select count(*) from raw_twilio.{table}").fetchone()[0]  # noqa: S608
                for (table,) in conn.execute(
                    "select table_name from duckdb_tables() where schema_name = 'raw_twilio'"
                ).fetchall()
            }
        return {
            "messages": counts.get("messages", 0),
            "calls": counts.get("calls", 0),
            "all": sum(counts.values()),
        }
