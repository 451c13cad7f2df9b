"""A small warehouse with every figure known, published as a snapshot, for the app's tests.

Two accounts (one billed in USD, one in EUR), three days (2026-03-01..03), two of our
numbers, four customers (one with 120 messages), what changed against the week before
(a spend jump and two delivery drops), and what webhooks said. The marts hold only the
columns the app reads; a test checks each of them exists in the dbt model's YAML, so
they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from switchboard_analyze import snapshot

TIMEZONE = "America/New_York"
# The Overview's charts, in order, as the dashboard and the report draw them.
OVERVIEW_TITLES = [
    "Spend per day in EUR (UTC days, usage records)",
    "Spend per day in USD (UTC days, usage records)",
    "Messages per day (UTC days)",
    f"Delivery rate of outbound messages per day ({TIMEZONE} days)",
    "Call minutes per day (UTC days, billed minutes)",
]
APP = Path(__file__).resolve().parent.parent / "src" / "switchboard_analyze" / "app.py"

MARTS = {
    "dim_accounts": """
        create table analytics.dim_accounts as select * from (values
            ('ACus', 'Acme US', 'USD', 'active', false),
            ('ACeu', 'Acme Europe', 'EUR', 'active', true),
            ('ACold', 'Acme Legacy', null, 'closed', true)
        ) as t(account_sid, account_name, billing_currency, account_status, is_subaccount)
    """,
    # USD reconciles every day; EUR sms is 0.01000 off on 03-03.
    "fct_spend_daily": """
        create table analytics.fct_spend_daily as select
            account_sid, cast(spend_date as date) as spend_date, product, currency,
            cast(usage_cost_amount as decimal(18, 5)) as usage_cost_amount,
            cast(traffic_cost_amount as decimal(18, 5)) as traffic_cost_amount,
            cast(usage_cost_amount - traffic_cost_amount as decimal(18, 5)) as difference_amount,
            priced_records
        from (values
            ('ACus', '2026-03-01', 'sms', 'USD', 1.00000, 1.00000, 125),
            ('ACus', '2026-03-01', 'phone_numbers', 'USD', 1.15000, null, 0),
            ('ACus', '2026-03-02', 'sms', 'USD', 2.50000, 2.50000, 300),
            ('ACus', '2026-03-02', 'voice', 'USD', 0.42000, 0.42000, 12),
            ('ACus', '2026-03-03', 'sms', 'USD', 0.00790, 0.00790, 1),
            ('ACeu', '2026-03-01', 'sms', 'EUR', 0.07342, 0.07342, 1),
            ('ACeu', '2026-03-03', 'sms', 'EUR', 0.10000, 0.09000, 2)
        ) as t(account_sid, spend_date, product, currency, usage_cost_amount,
               traffic_cost_amount, priced_records)
    """,
    "fct_account_daily": """
        create table analytics.fct_account_daily as select
            account_sid, cast(activity_date as date) as activity_date, messages_inbound,
            messages_outbound, calls_total, call_legs, cast(call_billed_minutes as hugeint)
                as call_billed_minutes,
            cast(call_duration_seconds as hugeint) as call_duration_seconds
        from (values
            ('ACus', '2026-03-01', 4, 10, 2, 3, 5, 250),
            ('ACus', '2026-03-02', 6, 20, 3, 3, 7, 390),
            ('ACeu', '2026-03-02', 1, 5, 1, 1, 2, 61)
        ) as t(account_sid, activity_date, messages_inbound, messages_outbound, calls_total,
               call_legs, call_billed_minutes, call_duration_seconds)
    """,
    "fct_delivery_daily": """
        create table analytics.fct_delivery_daily as select
            cast(message_date_local as date) as message_date_local, account_sid, our_phone,
            customer_country, channel, messages_outbound,
            messages_delivered, messages_undelivered, messages_failed, messages_with_outcome
        from (values
            ('2026-03-01', 'ACus', '+14155550100', 'US', 'sms', 10, 9, 1, 0, 10),
            ('2026-03-02', 'ACus', '+14155550100', 'US', 'sms', 12, 9, 0, 2, 12),
            ('2026-03-02', 'ACus', '+14155550100', 'GB', 'sms', 8, 6, 1, 1, 8),
            ('2026-03-02', 'ACeu', '+33612345678', 'FR', 'sms', 5, 5, 0, 0, 5)
        ) as t(message_date_local, account_sid, our_phone, customer_country, channel,
               messages_outbound, messages_delivered, messages_undelivered, messages_failed,
               messages_with_outcome)
    """,
    "fct_messages": """
        create table analytics.fct_messages as select
            account_sid, is_inbound, error_code, error_meaning, customer_country, our_phone,
            cast(message_date_local as date) as message_date_local
        from (values
            ('ACus', false, 30003, 'Unreachable destination handset', 'US', '+14155550100',
             '2026-03-01'),
            ('ACus', false, 21610, 'Attempt to send to an unsubscribed recipient', 'US',
             '+14155550100', '2026-03-02'),
            ('ACus', false, 21610, 'Attempt to send to an unsubscribed recipient', 'US',
             '+14155550100', '2026-03-02'),
            ('ACus', false, 30005, 'Unknown destination handset', 'GB', '+14155550100',
             '2026-03-02'),
            ('ACus', false, 30008, 'Unknown error from the carrier', 'GB', '+14155550100',
             '2026-03-02'),
            ('ACus', true, null, null, 'US', '+14155550100', '2026-03-02')
        ) as t(account_sid, is_inbound, error_code, error_meaning, customer_country, our_phone,
               message_date_local)
    """,
    # Tim Line has 120 messages: a timeline of three pages.
    "dim_customers": """
        create table analytics.dim_customers as select
            customer_phone, customer_id, customer_name, customer_segment, customer_country,
            primary_account_sid, messages_total, calls_total, spend_by_currency,
            messages_delivered, messages_with_outcome,
            cast(delivery_rate as decimal(7, 4)) as delivery_rate, is_opted_out,
            cast(opted_out_at as timestamp) as opted_out_at,
            cast(last_contact_at as timestamp) as last_contact_at, days_since_last_reply
        from (values
            ('+14155551234', 'CUST-0001', 'Dana Kim', 'consumer', 'US', 'ACus', 3, 1,
             'USD 0.02370', 1, 2, 0.5000, false, null, '2026-03-03 12:00:00', 1),
            ('+447700900123', 'CUST-0002', 'Oliver Grant', 'business', 'GB', 'ACus', 1, 0,
             'USD 0.04000', 0, 0, null, true, '2026-03-02 12:30:00', '2026-03-02 12:00:00',
             null),
            ('+33612340000', null, null, null, 'FR', 'ACeu', 1, 0, 'EUR 0.07342', 1, 1, 1.0000,
             false, null, '2026-03-01 09:00:00', null),
            ('+15550001111', 'CUST-0003', 'Tim Line', 'smb', 'US', 'ACus', 120, 0,
             'USD 0.94800', 108, 120, 0.9000, false, null, '2026-03-03 11:30:00', 0)
        ) as t(customer_phone, customer_id, customer_name, customer_segment, customer_country,
               primary_account_sid, messages_total, calls_total, spend_by_currency,
               messages_delivered, messages_with_outcome, delivery_rate, is_opted_out,
               opted_out_at, last_contact_at, days_since_last_reply)
    """,
    # Local times on New York's wall clock (UTC-5 in March before the DST change).
    "fct_customer_interactions": """
        create table analytics.fct_customer_interactions as select
            interaction_sid, interaction_type, channel, account_sid, customer_phone,
            our_phone, direction, status, cast(occurred_at as timestamp) as occurred_at,
            cast(occurred_at as timestamp) - interval 5 hour as occurred_at_local,
            duration_seconds, cast(billed_minutes as hugeint) as billed_minutes,
            cast(cost_amount as decimal(18, 5)) as cost_amount, currency
        from (values
            ('SM01', 'message', 'sms', 'ACus', '+14155551234', '+14155550100', 'outbound',
             'delivered', '2026-03-01 15:00:00', null, null, 0.00790, 'USD'),
            ('SM02', 'message', 'sms', 'ACus', '+14155551234', '+14155550100', 'inbound',
             'received', '2026-03-02 03:30:00', null, null, 0.00790, 'USD'),
            ('CA01', 'call', 'voice', 'ACus', '+14155551234', '+14155550100', 'outbound',
             'completed', '2026-03-02 16:00:00', 125, 3, 0.00000, 'USD'),
            ('SM03', 'message', 'sms', 'ACus', '+14155551234', '+14155550100', 'outbound',
             'undelivered', '2026-03-03 12:00:00', null, null, 0.00790, 'USD'),
            ('SM04', 'message', 'sms', 'ACus', '+447700900123', '+14155550100', 'outbound',
             'failed', '2026-03-02 12:00:00', null, null, 0.04000, 'USD'),
            ('SM05', 'message', 'sms', 'ACeu', '+33612340000', '+33612345678', 'outbound',
             'delivered', '2026-03-01 09:00:00', null, null, 0.07342, 'EUR')
        ) as t(interaction_sid, interaction_type, channel, account_sid, customer_phone,
               our_phone, direction, status, occurred_at, duration_seconds, billed_minutes,
               cost_amount, currency)
        union all
        select
            'SMT' || lpad(cast(i as varchar), 3, '0'), 'message', 'sms', 'ACus', '+15550001111',
            '+14155550100', 'outbound', 'delivered',
            timestamp '2026-03-01 00:00:00' + i * interval 30 minute,
            timestamp '2026-03-01 00:00:00' + i * interval 30 minute - interval 5 hour,
            null, null, cast(0.00790 as decimal(18, 5)), 'USD'
        from range(120) as t(i)
    """,
    "dim_countries": """
        create table analytics.dim_countries as select * from (values
            ('US', 'United States'), ('GB', 'United Kingdom'), ('FR', 'France')
        ) as t(iso_country, country_name)
    """,
    # What changed: the week to 03-03 against the week before (delivery on local days).
    "fct_period_comparison": """
        create table analytics.fct_period_comparison as select
            account_sid, measure, currency,
            case when measure = 'delivery_rate' then 'reporting_timezone' else 'utc' end
                as day_basis,
            7 as period_days,
            date '2026-02-25' as current_start_date, date '2026-03-03' as current_end_date,
            date '2026-02-18' as previous_start_date, date '2026-02-24' as previous_end_date,
            cast(current_total as decimal(18, 5)) as current_total,
            cast(current_base as bigint) as current_base,
            cast(previous_total as decimal(18, 5)) as previous_total,
            cast(previous_base as bigint) as previous_base
        from (values
            ('ACus', 'spend', 'USD', 3.92790, null, 3.14232, null),
            ('ACeu', 'spend', 'EUR', 0.17342, null, 0, null),
            ('ACus', 'messages', null, 30, null, 24, null),
            ('ACeu', 'messages', null, 6, null, 6, null),
            ('ACus', 'delivery_rate', null, 18, 22, 19, 20),
            ('ACeu', 'delivery_rate', null, 5, 5, 4, 5),
            ('ACus', 'call_minutes', null, 12, null, 10, null),
            ('ACeu', 'call_minutes', null, 2, null, 0, null)
        ) as t(account_sid, measure, currency, current_total, current_base, previous_total,
               previous_base)
    """,
    "fct_spend_jumps": """
        create table analytics.fct_spend_jumps as select
            'ACus' as account_sid, date '2026-03-02' as spend_date, 'sms' as product,
            'USD' as currency, cast(2.50000 as decimal(18, 5)) as spend_amount,
            cast(1.00000 as decimal(18, 5)) as baseline_amount,
            cast(1.50000 as decimal(18, 5)) as jump_amount,
            cast(2.50 as decimal(18, 2)) as jump_ratio, 7 as baseline_days,
            'spend_jump' as rule_name,
            'spend at least 2× the daily average of the 7 days before, and 1.00 more'
                as rule_description
    """,
    "fct_delivery_drops": """
        create table analytics.fct_delivery_drops as select
            'ACus' as account_sid, dimension, dimension_value,
            date '2026-02-25' as current_start_date, date '2026-03-03' as current_end_date,
            date '2026-02-18' as previous_start_date, date '2026-02-24' as previous_end_date,
            current_with_outcome, current_delivered,
            cast(current_delivered / current_with_outcome as decimal(7, 4))
                as current_delivery_rate,
            previous_with_outcome, previous_delivered,
            cast(previous_delivered / previous_with_outcome as decimal(7, 4))
                as previous_delivery_rate,
            cast(drop_points as decimal(7, 2)) as drop_points, 'delivery_drop' as rule_name,
            'delivery rate at least 5 points below the previous 7 days, with 20 or more '
                || 'messages with an outcome in each period' as rule_description
        from (values
            ('customer_country', 'GB', 40, 30, 40, 38, 20.00),
            ('our_phone', '+14155550100', 50, 40, 50, 45, 10.00)
        ) as t(dimension, dimension_value, current_with_outcome, current_delivered,
               previous_with_outcome, previous_delivered, drop_points)
    """,
    # From webhooks: one message ahead of the API, one known only from webhooks.
    "fct_message_current_status": """
        create table analytics.fct_message_current_status as select
            message_sid, account_sid, status, status_source, is_ahead_of_api, api_status,
            cast(webhook_status_at as timestamp) as webhook_status_at
        from (values
            ('SM01', 'ACus', 'delivered', 'api', false, 'delivered', null),
            ('SM02', 'ACus', 'delivered', 'webhook', true, 'sent', '2026-03-03 12:00:05'),
            ('SM03', 'ACus', 'read', 'webhook', true, null, '2026-03-03 12:00:09'),
            ('SM05', 'ACeu', 'delivered', 'api', false, 'delivered', '2026-03-01 09:00:20')
        ) as t(message_sid, account_sid, status, status_source, is_ahead_of_api, api_status,
               webhook_status_at)
    """,
    "fct_message_delivery_latency": """
        create table analytics.fct_message_delivery_latency as select
            message_sid, account_sid, cast(delivered_at as timestamp) as delivered_at,
            measured_from, cast(latency_seconds as double) as latency_seconds
        from (values
            ('SM02', 'ACus', '2026-03-03 12:00:05', 'event_time', 4),
            ('SM03', 'ACus', '2026-03-03 12:00:09', 'event_time', 12),
            ('SM05', 'ACeu', '2026-03-01 09:00:20', 'receipt_time', 20)
        ) as t(message_sid, account_sid, delivered_at, measured_from, latency_seconds)
    """,
    "fct_call_current_status": """
        create table analytics.fct_call_current_status as select
            call_sid, account_sid, status, is_ahead_of_api, api_status,
            cast(webhook_status_at as timestamp) as webhook_status_at
        from (values
            ('CA01', 'ACus', 'completed', false, 'completed', null),
            ('CA02', 'ACus', 'in-progress', true, 'ringing', '2026-03-03 12:00:02')
        ) as t(call_sid, account_sid, status, is_ahead_of_api, api_status, webhook_status_at)
    """,
    # Receiver to live mart: seq 1 was loaded before the mart existed (not measured).
    "fct_webhook_freshness": """
        create table analytics.fct_webhook_freshness as select
            event_seq, cast(received_at as timestamp) as received_at,
            cast(visible_at as timestamp) as visible_at,
            cast(freshness_seconds as double) as freshness_seconds, is_measured
        from (values
            (1, '2026-03-03 10:00:00', '2026-03-03 11:00:00', 3600, false),
            (2, '2026-03-03 12:00:13', '2026-03-03 12:00:15', 2, true),
            (3, '2026-03-03 12:00:12', '2026-03-03 12:00:15', 3, true),
            (4, '2026-03-03 12:00:05', '2026-03-03 12:00:15', 10, true)
        ) as t(event_seq, received_at, visible_at, freshness_seconds, is_measured)
    """,
}


def make_warehouse(path: Path, *, leave_out: tuple[str, ...] = (), empty: bool = False) -> Path:
    """The marts above in a DuckDB file (some left out, or all of them without rows)."""
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema analytics")
        for name, sql in MARTS.items():
            if name not in leave_out:
                conn.execute(sql)
                if empty:
                    conn.execute(f"delete from analytics.{name}")  # noqa: S608
    return path


@pytest.fixture
def publish(tmp_path: Path) -> Callable[..., Path]:
    """Builds a warehouse and publishes its snapshot; returns the snapshot's path."""

    def _publish(**kwargs: object) -> Path:
        warehouse = make_warehouse(tmp_path / "warehouse.duckdb", **kwargs)  # type: ignore[arg-type]
        target = tmp_path / "warehouse.snapshot.duckdb"
        snapshot.publish(warehouse, target, TIMEZONE)
        warehouse.unlink()
        return target

    return _publish


def chart_titles(specs: list[dict]) -> list[str]:
    """Each Vega-Lite spec's title, plain or with a subtitle."""
    return [s["title"] if isinstance(s["title"], str) else s["title"]["text"] for s in specs]
