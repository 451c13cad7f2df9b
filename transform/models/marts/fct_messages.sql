{{
    config(
        materialized='incremental',
        unique_key='message_sid',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Incremental: each build replaces the messages loaded since the previous one (new
-- messages and re-read ones whose status or price changed), keyed on message_sid.

with

messages as (
    select * from {{ ref('int_messages_enriched') }}
    {% if is_incremental() %}
        where {{ loaded_since_last_build() }}
    {% endif %}
)

select
    message_sid,
    account_sid,
    messaging_service_sid,
    direction,
    is_inbound,
    channel,
    status,
    delivery_outcome,
    error_code,
    error_message,
    error_meaning,
    error_group,
    consent_action,
    customer_phone,
    customer_country,
    our_phone,
    num_segments,
    num_media,
    is_priced,
    cost_amount,
    currency,
    created_at,
    sent_at,
    sent_at_local,
    message_date,
    message_date_local,
    updated_at,
    loaded_at
from messages
