{{
    config(
        materialized='incremental',
        unique_key='interaction_sid',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Every message and every call with a customer, one timeline. A call is one
-- interaction however many legs it had: its forwarding legs add their minutes and
-- cost to it. Incremental: messages loaded since the last build, and every
-- conversation one of whose legs was.

with

messages as (
    select * from {{ ref('fct_messages') }}
    {% if is_incremental() %}
        where {{ loaded_since_last_build() }}
    {% endif %}
),

calls as (
    select * from {{ ref('fct_calls') }}
),

{% if is_incremental() %}
    changed_conversations as (
        select distinct root_call_sid
        from calls
        where {{ loaded_since_last_build() }}
    ),
{% endif %}

conversation_legs as (
    select calls.*
    from calls
    {% if is_incremental() %}
        inner join changed_conversations
            on calls.root_call_sid = changed_conversations.root_call_sid
    {% endif %}
),

conversations as (
    select
        root_call_sid,
        count(*) as legs,
        sum(billed_minutes) as billed_minutes,
        bool_and(is_priced) as is_priced,
        {{ to_money("sum(cost_amount)") }} as cost_amount,
        max(loaded_at) as loaded_at
    from conversation_legs
    group by root_call_sid
),

message_interactions as (
    select
        message_sid as interaction_sid,
        'message' as interaction_type,
        channel,
        account_sid,
        customer_phone,
        customer_country,
        our_phone,
        is_inbound,
        status,
        created_at as occurred_at,
        cast(null as integer) as duration_seconds,
        cast(null as integer) as billed_minutes,
        1 as legs,
        is_priced,
        cost_amount,
        currency,
        loaded_at
    from messages
),

call_interactions as (
    select
        roots.call_sid as interaction_sid,
        'call' as interaction_type,
        'voice' as channel,
        roots.account_sid,
        roots.customer_phone,
        roots.customer_country,
        roots.our_phone,
        roots.is_inbound,
        roots.status,
        roots.created_at as occurred_at,
        roots.duration_seconds,
        conversations.billed_minutes,
        conversations.legs,
        conversations.is_priced,
        conversations.cost_amount,
        roots.currency,
        conversations.loaded_at
    from conversation_legs as roots
    inner join conversations
        on roots.call_sid = conversations.root_call_sid
    where not roots.is_child_leg
),

interactions as (
    select * from message_interactions
    union all
    select * from call_interactions
)

select
    interaction_sid,
    interaction_type,
    channel,
    account_sid,
    customer_phone,
    customer_country,
    our_phone,
    case when is_inbound then 'inbound' else 'outbound' end as direction,
    status,
    occurred_at,
    {{ to_local_time('occurred_at', var('reporting_timezone')) }} as occurred_at_local,
    duration_seconds,
    billed_minutes,
    legs,
    is_priced,
    cost_amount,
    currency,
    loaded_at
from interactions
