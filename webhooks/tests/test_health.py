"""``/healthz`` answers 503 as soon as the store cannot commit, and ok again once it can."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BASE, TOKEN, Harness, http_get, http_post, make_harness, message_params
from twilio_webhooks.store import open_backend
from twilio_webhooks.testing import form_request, running_receiver


def _healthz(url: str) -> int:
    try:
        return http_get(url + "/healthz")[0]
    except OSError as exc:  # urllib raises HTTPError (an OSError) for a 503
        return int(getattr(exc, "code", 0))


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {name}")


def test_healthz_commits_to_the_store(harness: Harness) -> None:
    """Every probe is a real commit (a heartbeat row), counted in the metrics."""
    for _ in range(3):
        assert harness.client.get("/healthz").json() == {"status": "ok"}
    assert harness.metric("twilio_webhooks_store_probes_total") == 3
    assert harness.metric("twilio_webhooks_store_probe_failures_total") == 0


def test_healthz_is_503_while_commits_fail(harness: Harness) -> None:
    """A store that refuses every write (SQLite's query_only, on the receiver's own
    connection): webhooks get 503, and so does /healthz; both recover with the store."""
    harness.backend._conn.execute("pragma query_only = on")
    body, headers = form_request(TOKEN, BASE + "/twilio/messages/status", message_params())
    assert (
        harness.client.post("/twilio/messages/status", content=body, headers=headers).status_code
        == 503
    )
    health = harness.client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "store cannot commit: OperationalError"}
    assert harness.metric("twilio_webhooks_store_failures_total") == 1
    assert harness.metric("twilio_webhooks_store_probe_failures_total") == 1

    harness.backend._conn.execute("pragma query_only = off")
    assert harness.client.get("/healthz").status_code == 200
    assert (
        harness.client.post("/twilio/messages/status", content=body, headers=headers).status_code
        == 200
    )
    assert harness.count() == 1


def test_healthz_is_503_when_the_store_does_not_answer_in_time(tmp_path: Path) -> None:
    """A writer stuck in a commit (a hung disk or database) is unhealthy after the timeout."""
    h = make_harness(tmp_path / "slow.sqlite3", health_timeout=0.2)
    try:
        real_probe = h.backend.probe

        def hung_probe() -> None:
            time.sleep(1)
            real_probe()

        h.backend.probe = hung_probe  # type: ignore[method-assign]
        started = time.monotonic()
        health = h.client.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "store did not commit within 0.2s"}
        assert time.monotonic() - started < 0.9
    finally:
        h.committer.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prlimit on another process")
def test_a_full_disk_makes_a_receiver_process_unhealthy_then_healthy(tmp_path: Path) -> None:
    """Disk full, deterministically: the receiver's RLIMIT_FSIZE set to 0 makes every
    write() to a file fail (EFBIG), as ENOSPC would. Reads and sockets keep working."""
    store = tmp_path / "full.sqlite3"
    with running_receiver(store_url=f"sqlite:///{store}", auth_tokens=[TOKEN]) as receiver:
        url = receiver.url + "/twilio/messages/status"
        body, headers = form_request(TOKEN, url, message_params())
        assert _healthz(receiver.url) == 200
        pid = receiver.process.pid
        limits = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, limits[1]))
        started = time.monotonic()
        while _healthz(receiver.url) != 503:
            assert time.monotonic() - started < 10, "/healthz stayed ok on a full disk"
            time.sleep(0.05)
        unhealthy_after = time.monotonic() - started
        answers = []
        for _ in range(5):
            try:
                answers.append(http_post(url, body, headers)[0])
            except OSError as exc:
                answers.append(int(getattr(exc, "code", 0)))
        assert answers == [503] * 5
        metrics = http_get(receiver.url + "/metrics")[1]
        assert _metric(metrics, "twilio_webhooks_store_failures_total") == 5
        assert _metric(metrics, "twilio_webhooks_store_probe_failures_total") >= 1

        resource.prlimit(pid, resource.RLIMIT_FSIZE, limits)  # space freed
        assert _healthz(receiver.url) == 200
        assert http_post(url, body, headers)[0] == 200  # Twilio's retry
    print(f"full disk: /healthz answered 503 after {unhealthy_after * 1000:.0f} ms")
    backend = open_backend(f"sqlite:///{store}")
    assert backend.count() == 1
    backend.close()
