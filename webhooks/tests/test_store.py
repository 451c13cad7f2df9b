"""The store contract on SQLite and PostgreSQL: dedupe, commit order, readers miss nothing."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from twilio_webhooks.events import Event
from twilio_webhooks.store import GroupCommitter, open_backend, sqlite_path


def event(key: str, kind: str = "message_status") -> Event:
    return Event(
        dedupe_key=key,
        kind=kind,
        account_sid="AC1",
        resource_sid="SM" + key,
        status="sent",
        sequence_number=None,
        event_type=None,
        error_code=None,
        occurred_at=None,
        received_at="2026-11-20T12:00:00+00:00",
        idempotency_token=None,
        payload="{}",
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_url")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table if exists webhook_events")
    yield url


def test_write_dedupes_and_reads_in_order(store_url: str) -> None:
    backend = open_backend(store_url)
    try:
        assert backend.write([event("a"), event("b"), event("a")]) == [True, True, False]
        assert backend.write([event("b"), event("c")]) == [False, True]
        rows = backend.read(0, 10)
        assert [r["dedupe_key"] for r in rows] == ["a", "b", "c"]
        seqs = [r["seq"] for r in rows]
        assert seqs == sorted(seqs)
        assert [r["dedupe_key"] for r in backend.read(seqs[0], 10)] == ["b", "c"]
        assert [r["dedupe_key"] for r in backend.read(seqs[0], 1)] == ["b"]
        assert backend.count() == 3
        assert backend.last_seq() == seqs[-1]  # what a reader (the live path) catches up to
    finally:
        backend.close()


def test_a_reopened_store_keeps_its_rows(store_url: str) -> None:
    first = open_backend(store_url)
    assert first.last_seq() == 0
    first.write([event("x")])
    first.close()
    second = open_backend(store_url)
    try:
        assert second.write([event("x"), event("y")]) == [False, True]
        assert second.count() == 2
    finally:
        second.close()


def test_receivers_sharing_a_store_and_a_tailing_reader(store_url: str) -> None:
    """Two receivers (two writers) commit overlapping events while a reader tails by seq.

    Every event must be stored once, and the reader, which only ever asks for
    ``seq > last seen``, must see each of them exactly once: seq grows in commit order.
    """
    writers = [GroupCommitter(open_backend(store_url)) for _ in range(2)]
    reader = open_backend(store_url)
    keys = [f"k{i:05d}" for i in range(3000)]
    seen: list[str] = []
    done = threading.Event()

    def write(committer: GroupCommitter, offset: int) -> None:
        futures = []
        for i in range(0, len(keys), 7):  # both writers send every key, in different groupings
            chunk = keys[(i + offset) % len(keys) : (i + offset) % len(keys) + 7]
            futures.append(committer.submit([event(k) for k in chunk]))
        for future in futures:
            future.result(timeout=120)

    def tail() -> None:
        last = 0
        while True:
            finished = done.is_set()
            rows = reader.read(last, 500)
            for row in rows:
                seen.append(row["dedupe_key"])
                last = row["seq"]
            if finished and not rows:
                return

    tailer = threading.Thread(target=tail)
    tailer.start()
    threads = [threading.Thread(target=write, args=(w, n * 1500)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    tailer.join()
    for w in writers:
        w.close()
    reader.close()
    assert sorted(seen) == keys  # every key once: none missed, none twice


def test_sqlite_runs_in_wal_with_full_sync(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    backend = open_backend(str(path))
    try:
        conn = backend._conn  # type: ignore[attr-defined]
        assert conn.execute("pragma journal_mode").fetchone() == ("wal",)
        assert conn.execute("pragma synchronous").fetchone() == (2,)  # FULL
    finally:
        backend.close()
    assert sqlite3.connect(path).execute("pragma journal_mode").fetchone() == ("wal",)


def test_store_urls() -> None:
    assert sqlite_path("sqlite:////var/lib/x.db") == "/var/lib/x.db"
    assert sqlite_path("sqlite:///tmp/x.db") == "/tmp/x.db"
    assert sqlite_path("sqlite:x.db") == "x.db"
    assert sqlite_path("sqlite://x.db") == "x.db"
    assert sqlite_path("output/x.db") == "output/x.db"


def _stall_inserts_of(key: str, backends: list, store_url: str, seconds: float) -> None:
    """A trigger that holds the inserting transaction ``seconds`` after writing ``key``:
    that writer has taken its seq values but not committed."""
    if store_url.startswith("postgresql"):
        conn = backends[0]._conn
        conn.execute(
            "create or replace function stall() returns trigger language plpgsql as $$ "
            f"begin if new.dedupe_key = '{key}' then perform pg_sleep({seconds}); end if; "
            "return new; end $$"
        )
        conn.execute(
            "create trigger stall after insert on webhook_events "
            "for each row execute function stall()"
        )
        return

    def stall(dedupe_key: str) -> int:
        if dedupe_key == key:
            time.sleep(seconds)
        return 0

    for backend in backends:
        backend._conn.create_function("stall", 1, stall)
    backends[0]._conn.execute(
        "create trigger stall after insert on webhook_events "
        "begin select stall(new.dedupe_key); end"
    )


def test_a_late_commit_never_hides_behind_a_readers_bookmark(store_url: str) -> None:
    """Writer A takes seq values, then stalls before committing; writer B commits meanwhile.

    If B could commit a higher seq first, a reader would move its bookmark past A's
    rows and never see them. The store makes B wait for A (PostgreSQL: the advisory
    lock; SQLite: the write lock), so the reader sees every row.
    """
    a, b, reader = (open_backend(store_url) for _ in range(3))
    _stall_inserts_of("a2", [a, b, reader], store_url, seconds=2.0)
    held = threading.Thread(target=a.write, args=([event("a1"), event("a2")],))
    held.start()
    time.sleep(0.5)  # A is inside its stall
    late = threading.Thread(target=b.write, args=([event("b1")],))
    late.start()
    late.join(timeout=0.5)  # with a correct store, B is still waiting for A here
    seen, bookmark = [], 0
    for row in reader.read(0, 100):
        seen.append(row["dedupe_key"])
        bookmark = row["seq"]
    held.join()
    late.join()
    seen += [row["dedupe_key"] for row in reader.read(bookmark, 100)]
    for backend in (a, b, reader):
        backend.close()
    assert sorted(seen) == ["a1", "a2", "b1"]


def test_one_loop_iterations_requests_share_one_commit(tmp_path: Path) -> None:
    """Requests awaiting a commit in the same event-loop iteration share one transaction;
    each gets its own answer (a repeat within the batch is a duplicate), all are on disk."""
    path = tmp_path / "events.sqlite3"
    committer = GroupCommitter(open_backend(f"sqlite:///{path}"))

    async def burst() -> list[list[bool]]:
        keys = [[f"k{i}"] for i in range(50)] + [["k7", "k50"]]  # the last one repeats k7
        return await asyncio.gather(*(committer.commit([event(k) for k in ks]) for ks in keys))

    try:
        answers = asyncio.run(burst())
        assert answers == [[True]] * 50 + [[False, True]]
        assert (committer.stats.commits, committer.stats.events) == (1, 52)
    finally:
        committer.close()
    with sqlite3.connect(path) as db:  # a fresh connection: what is on disk
        assert db.execute("select count(*) from webhook_events").fetchone()[0] == 51


def test_the_health_probe_commits_a_heartbeat_and_recovers(store_url: str) -> None:
    """The probe writes one heartbeat row, committed; on PostgreSQL a dropped connection
    fails one probe, and the writer's recover() makes the next one pass."""
    backend = open_backend(store_url)
    try:
        backend.probe()
        backend.probe()
        if store_url.startswith("postgresql"):
            import psycopg

            rows = backend._conn.execute("select count(*) from webhook_health").fetchone()
            assert rows == (1,)
            with psycopg.connect(store_url, autocommit=True) as admin:
                admin.execute("select pg_terminate_backend(%s)", (backend._conn.info.backend_pid,))
            with pytest.raises(psycopg.OperationalError):
                backend.probe()
            backend.recover()
            backend.probe()
        else:
            with sqlite3.connect(sqlite_path(store_url)) as db:
                assert db.execute("select count(*) from webhook_health").fetchone() == (1,)
        assert backend.count() == 0  # the events table is untouched
    finally:
        backend.close()
