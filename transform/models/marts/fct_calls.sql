{{
    config(
        materialized='incremental',
        unique_key='call_sid',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Incremental: each build replaces the call legs loaded since the previous one, keyed
-- on call_sid. A child leg's customer comes from its parent in staging, so a leg is
-- complete even when its parent was loaded in an earlier run.

with

calls as (
    select * from {{ ref('int_calls_enriched') }}
    {% if is_incremental() %}
        where {{ loaded_since_last_build() }}
    {% endif %}
)

select
    call_sid,
    account_sid,
    parent_call_sid,
    root_call_sid,
    is_child_leg,
    direction,
    is_inbound,
    status,
    answered_by,
    customer_phone,
    customer_country,
    our_phone,
    phone_number_sid,
    duration_seconds,
    billed_minutes,
    is_priced,
    cost_amount,
    currency,
    created_at,
    started_at,
    started_at_local,
    ended_at,
    call_date,
    call_date_local,
    updated_at,
    loaded_at
from calls
