"""Publishing the snapshot: every mart copied exactly, replaced atomically, readers unharmed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from switchboard_analyze import snapshot
from tests.conftest import MARTS, TIMEZONE, make_warehouse


def rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "switchboard_analyze.snapshot", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_every_mart_is_copied_exactly(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    published = snapshot.publish(warehouse, tmp_path / "snap.duckdb", TIMEZONE)
    assert published.tables == len(MARTS)
    # accounts, spend, account days, delivery, messages, customers, interactions (6 and
    # Tim Line's 120), countries, comparison, a jump, two drops, and the webhook marts
    # (freshness: 4 events)
    assert published.rows == 3 + 7 + 3 + 4 + 6 + 4 + 126 + 3 + 8 + 1 + 2 + 4 + 3 + 2 + 4
    for name in MARTS:
        query = f"select * from analytics.{name} order by all"  # noqa: S608
        assert rows(published.path, query) == rows(warehouse, query), name
    info = "select published_at, warehouse, reporting_timezone, marts from main.snapshot_info"
    ((published_at, source, timezone, marts),) = rows(published.path, info)
    assert (source, timezone, marts) == (str(warehouse), TIMEZONE, len(MARTS))
    assert published_at is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.duckdb", "warehouse.duckdb"]


def test_replacing_it_leaves_an_open_reader_on_the_old_file(tmp_path: Path) -> None:
    """A reader holding the snapshot open never blocks the next publish, nor sees it half-made."""
    target = tmp_path / "snap.duckdb"
    snapshot.publish(make_warehouse(tmp_path / "first.duckdb"), target, TIMEZONE)
    second = make_warehouse(tmp_path / "second.duckdb")
    with duckdb.connect(str(second)) as conn:
        conn.execute("delete from analytics.fct_spend_daily where currency = 'EUR'")
    count = "select count(*) from analytics.fct_spend_daily"
    # Another process, as the dashboard would be.
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys\n"
            f"conn = duckdb.connect({str(target)!r}, read_only=True)\n"
            f"print(conn.execute({count!r}).fetchone()[0], flush=True)\n"
            "sys.stdin.readline()\n"
            f"print(conn.execute({count!r}).fetchone()[0], flush=True)\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None
    assert reader.stdin is not None
    assert reader.stdout.readline().strip() == "7"
    snapshot.publish(second, target, TIMEZONE)  # while the reader holds the old file
    assert rows(target, count) == [(5,)]
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "7"
    assert reader.wait(timeout=30) == 0


@pytest.mark.parametrize(
    ("setup", "timezone", "error"),
    [
        ("absent", TIMEZONE, "no warehouse at {w}: run the pipeline (dbt build) first"),
        (
            "no marts",
            TIMEZONE,
            "no analytics.* relation in {w}: run dbt-duckdb:build before publishing",
        ),
        (
            "marts",
            "Europe/Paris",
            "126 rows of analytics.fct_customer_interactions are not in the reporting timezone "
            "'Europe/Paris' (DBT_REPORTING_TIMEZONE): rebuild the marts with dbt build "
            "--full-refresh",
        ),
    ],
)
def test_a_failed_publish_says_why_and_keeps_the_last_snapshot(
    setup: str, timezone: str, error: str, tmp_path: Path
) -> None:
    target = tmp_path / "snap.duckdb"
    snapshot.publish(make_warehouse(tmp_path / "good.duckdb"), target, TIMEZONE)
    before = target.read_bytes()
    warehouse = tmp_path / "warehouse.duckdb"
    if setup == "no marts":
        duckdb.connect(str(warehouse)).close()
    elif setup == "marts":
        make_warehouse(warehouse)
    result = cli(
        "publish",
        "--warehouse",
        str(warehouse),
        "--snapshot",
        str(target),
        "--reporting-timezone",
        timezone,
    )
    assert result.returncode == 1
    assert result.stderr == f"warehouse-snapshot: {error.format(w=warehouse)}\n"
    assert target.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_cli_reads_dbt_variables_and_publishes_beside_the_warehouse(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "warehouse_prod.duckdb")
    result = cli(
        "publish", env={"DBT_DUCKDB_PATH": str(warehouse), "DBT_REPORTING_TIMEZONE": TIMEZONE}
    )
    target = tmp_path / "warehouse_prod.snapshot.duckdb"
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"warehouse-snapshot: published 15 marts (180 rows) to {target}\n"
    assert rows(target, "select reporting_timezone from main.snapshot_info") == [(TIMEZONE,)]


def test_cli_without_a_warehouse_names_the_setting() -> None:
    result = cli("publish", env={"DBT_DUCKDB_PATH": ""})
    assert result.returncode == 2
    assert result.stderr == "warehouse-snapshot: set --warehouse or DBT_DUCKDB_PATH\n"
