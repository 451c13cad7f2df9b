-- The two periods "what changed" compares: the last var('change_period_days') complete
-- days, and as many days before them. The latest day with a message or call is still
-- filling up, so the current period ends the day before it; like days_since_last_reply,
-- the periods move only when new data arrives, never with the wall clock. UTC days for
-- what Twilio bills on UTC days (spend, messages, call minutes), days of the reporting
-- timezone for delivery.

-- A table: one row, read by two marts and three tests, each of which would
-- otherwise scan every message and call again for it.
{{ config(materialized='table') }}

{% set days = var('change_period_days') | int %}

with

latest_activity as (
    select max(created_at) as latest_activity_at
    from (
        select created_at from {{ ref('int_messages_enriched') }}
        union all
        select created_at from {{ ref('int_calls_enriched') }}
    ) as activity
),

last_complete_days as (
    select
        latest_activity_at,
        cast(latest_activity_at as date) - 1 as last_date,
        {{ to_local_date('latest_activity_at', var('reporting_timezone')) }} - 1
            as last_date_local
    from latest_activity
    -- an empty warehouse has no periods
    where latest_activity_at is not null
)

select
    latest_activity_at,
    {{ days }} as period_days,
    last_date - {{ 2 * days - 1 }} as previous_start_date,
    last_date - {{ days }} as previous_end_date,
    last_date - {{ days - 1 }} as current_start_date,
    last_date as current_end_date,
    last_date_local - {{ 2 * days - 1 }} as previous_start_date_local,
    last_date_local - {{ days }} as previous_end_date_local,
    last_date_local - {{ days - 1 }} as current_start_date_local,
    last_date_local as current_end_date_local
from last_complete_days
