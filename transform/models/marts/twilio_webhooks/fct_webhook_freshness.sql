{#- How long each webhook event took from the receiver to the live marts: the time this
    model is built, right after every live mart it depends on (and their tests), minus
    when the receiver got the event (it commits it within milliseconds, before its 2xx).
    Incremental: an event is timed once, by the build that first made it visible (a live
    run, or a scheduled job that loaded it first); events already loaded when this model
    was first built have no figure (is_measured false). Never rebuilt from scratch
    (full_refresh = false); rows older than var('webhook_freshness_days') are dropped. -#}
{{ config(
    materialized='incremental',
    full_refresh=false,
    post_hook=[
        "delete from {{ this }} where received_at < {{ utc_now() }}"
        ~ " - interval '{{ var(\"webhook_freshness_days\") }} days'"
    ],
) }}
-- depends_on: {{ ref('fct_message_current_status') }}
-- depends_on: {{ ref('fct_message_delivery_latency') }}
-- depends_on: {{ ref('fct_message_webhook_outcomes') }}
-- depends_on: {{ ref('fct_call_current_status') }}
-- depends_on: {{ ref('fct_call_progress_events') }}

with

events as (
    select
        event_seq,
        event_kind,
        account_sid,
        coalesce(message_sid, call_sid) as resource_sid,
        status,
        received_at
    from {{ ref('stg_twilio_webhooks__events') }}
    {% if is_incremental() %}
        where event_seq > (
                select coalesce(max(timed.event_seq), 0) from {{ this }} as timed
            )
    {% endif %}
),

built as (
    select {{ utc_now() }} as visible_at
)

select
    events.event_seq,
    events.event_kind,
    events.account_sid,
    events.resource_sid,
    events.status,
    events.received_at,
    built.visible_at,
    {{ seconds_between('events.received_at', 'built.visible_at') }} as freshness_seconds,
    {{ 'true' if is_incremental() else 'false' }} as is_measured
from events
cross join built
