-- Fivetran's account overview, without its defects: each source is aggregated at its
-- own grain before the join (no fan-out of messages by usage rows), accounts come from
-- their latest version (no history duplicates), costs are positive, amounts carry their
-- currency, and days with usage but no messages are kept. Days are UTC, like Twilio's
-- usage records.

{% set message_statuses = var('message_statuses').keys() | list %}

with

accounts as (
    select * from {{ ref('dim_accounts') }}
),

messages as (
    select * from {{ ref('fct_messages') }}
),

calls as (
    select * from {{ ref('fct_calls') }}
),

message_counts as (
    select
        account_sid,
        message_date as activity_date,
        count(*) as messages_total,
        count(case when is_inbound then 1 end) as messages_inbound,
        count(case when not is_inbound then 1 end) as messages_outbound,
        {% for status in message_statuses %}
            count(case when status = '{{ status }}' then 1 end) as messages_{{ status }},
        {% endfor %}
        sum(num_segments) as message_segments
    from messages
    group by account_sid, message_date
),

call_counts as (
    select
        account_sid,
        call_date as activity_date,
        count(case when not is_child_leg then 1 end) as calls_total,
        count(case when not is_child_leg and is_inbound then 1 end) as calls_inbound,
        count(case when not is_child_leg and not is_inbound then 1 end) as calls_outbound,
        count(case when not is_child_leg and status = 'completed' then 1 end) as calls_completed,
        count(*) as call_legs,
        coalesce(sum(duration_seconds), 0) as call_duration_seconds,
        coalesce(sum(billed_minutes), 0) as call_billed_minutes
    from calls
    group by account_sid, call_date
),

amounts as (
    select
        account_sid,
        message_date as activity_date,
        currency,
        cost_amount as messages_cost_amount,
        cast(0 as decimal(18, 5)) as calls_cost_amount,
        cast(0 as decimal(18, 5)) as usage_cost_amount
    from messages
    where is_priced
    union all
    select
        account_sid,
        call_date as activity_date,
        currency,
        0 as messages_cost_amount,
        cost_amount as calls_cost_amount,
        0 as usage_cost_amount
    from calls
    where is_priced
    union all
    select
        account_sid,
        usage_date as activity_date,
        currency,
        0 as messages_cost_amount,
        0 as calls_cost_amount,
        cost_amount as usage_cost_amount
    from {{ ref('fct_usage_daily') }}
    where not is_rollup and cost_amount <> 0
),

-- one row per account, day and currency: an account bills in one currency, and if one
-- ever billed in two on a day, the grain test fails rather than adding them up
money as (
    select
        account_sid,
        activity_date,
        currency,
        sum(messages_cost_amount) as messages_cost_amount,
        sum(calls_cost_amount) as calls_cost_amount,
        sum(usage_cost_amount) as usage_cost_amount
    from amounts
    group by account_sid, activity_date, currency
),

days as (
    select
        account_sid,
        activity_date
    from message_counts
    union
    select
        account_sid,
        activity_date
    from call_counts
    union
    select
        account_sid,
        activity_date
    from money
),

final as (
    select
        days.account_sid,
        accounts.account_name,
        accounts.account_status,
        accounts.account_type,
        accounts.is_subaccount,
        days.activity_date,
        cast(date_trunc('week', days.activity_date) as date) as activity_week,
        cast(date_trunc('month', days.activity_date) as date) as activity_month,
        coalesce(message_counts.messages_total, 0) as messages_total,
        coalesce(message_counts.messages_inbound, 0) as messages_inbound,
        coalesce(message_counts.messages_outbound, 0) as messages_outbound,
        {% for status in message_statuses %}
            coalesce(message_counts.messages_{{ status }}, 0) as messages_{{ status }},
        {% endfor %}
        coalesce(message_counts.message_segments, 0) as message_segments,
        coalesce(call_counts.calls_total, 0) as calls_total,
        coalesce(call_counts.calls_inbound, 0) as calls_inbound,
        coalesce(call_counts.calls_outbound, 0) as calls_outbound,
        coalesce(call_counts.calls_completed, 0) as calls_completed,
        coalesce(call_counts.call_legs, 0) as call_legs,
        coalesce(call_counts.call_duration_seconds, 0) as call_duration_seconds,
        coalesce(call_counts.call_billed_minutes, 0) as call_billed_minutes,
        money.currency,
        {{ to_money("coalesce(money.messages_cost_amount, 0)") }} as messages_cost_amount,
        {{ to_money("coalesce(money.calls_cost_amount, 0)") }} as calls_cost_amount,
        {{ to_money("coalesce(money.usage_cost_amount, 0)") }} as usage_cost_amount
    from days
    left join accounts
        on days.account_sid = accounts.account_sid
    left join message_counts
        on
            days.account_sid = message_counts.account_sid
            and days.activity_date = message_counts.activity_date
    left join call_counts
        on
            days.account_sid = call_counts.account_sid
            and days.activity_date = call_counts.activity_date
    left join money
        on
            days.account_sid = money.account_sid
            and days.activity_date = money.activity_date
)

select * from final
