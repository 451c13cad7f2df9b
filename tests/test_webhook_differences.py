"""``switchboard.webhooks.differences``, the check the demo and the webhook tests trust:
what it leaves out is only what Twilio's truth can no longer say."""

from __future__ import annotations

import duckdb

from switchboard import webhooks

ACCOUNT = "AC" + "1" * 32


def marts(messages: list[tuple[str, str]]) -> duckdb.DuckDBPyConnection:
    """The webhook marts ``differences`` reads, with these (message SID, status) rows."""
    conn = duckdb.connect()
    conn.execute("create schema analytics")
    conn.execute(
        "create table analytics.fct_message_current_status "
        "(account_sid text, message_sid text, status text)"
    )
    conn.executemany(
        "insert into analytics.fct_message_current_status values (?, ?, ?)",
        [(ACCOUNT, sid, status) for sid, status in messages],
    )
    for table in ("fct_call_current_status", "fct_message_status_events",
                  "fct_call_progress_events"):  # fmt: skip
        conn.execute(f"create table analytics.{table} (account_sid text, status text)")
    conn.execute(
        "create table analytics.fct_message_delivery_latency "
        "(account_sid text, latency_seconds double, measured_from text)"
    )
    return conn


def truth(by_status: dict[str, int], deleted: list[str]) -> dict:
    return {
        "accounts": {
            ACCOUNT: {
                "friendly_name": "Acme",
                "messages": {"by_status": by_status},
                "calls": {"by_status": {}},
            }
        },
        "deletions": [{"kind": "message", "sid": sid, "account_sid": ACCOUNT} for sid in deleted],
    }


def test_a_message_deleted_after_its_webhooks_is_not_a_difference() -> None:
    """Twilio sends no webhook for a deletion: the marts keep the message, the truth no
    longer lists it, and neither is wrong."""
    conn = marts([("SM1", "delivered"), ("SM2", "delivered")])
    assert webhooks.differences(truth({"delivered": 1}, ["SM2"]), {"truth": {}}, conn) == []


def test_any_other_difference_is_still_one() -> None:
    conn = marts([("SM1", "delivered"), ("SM2", "undelivered")])
    assert webhooks.differences(truth({"delivered": 2}, []), {"truth": {}}, conn) == [
        f"Acme ({ACCOUNT}): messages by current status: truth {{'delivered': 2}}, "
        "marts {'delivered': 1, 'undelivered': 1}"
    ]
