-- One row per phone number we own, with the traffic that went through it and what
-- that cost. Messages find their number by address (our_phone), calls by the
-- number's SID; a call's forwarding legs add their cost to the number's calls.

with

numbers as (
    select * from {{ ref('stg_twilio__incoming_phone_numbers') }}
),

countries as (
    select * from {{ ref('int_phone_prefix_countries') }}
),

message_totals as (
    select
        our_phone,
        count(case when is_inbound then 1 end) as messages_inbound,
        count(case when not is_inbound then 1 end) as messages_outbound,
        count(distinct customer_phone) as message_customers,
        min(created_at) as first_message_at,
        max(created_at) as last_message_at
    from {{ ref('fct_messages') }}
    group by our_phone
),

call_totals as (
    select
        phone_number_sid,
        count(case when not is_child_leg and is_inbound then 1 end) as calls_inbound,
        count(case when not is_child_leg and not is_inbound then 1 end) as calls_outbound,
        coalesce(sum(case when not is_child_leg then duration_seconds end), 0) as talk_seconds,
        min(created_at) as first_call_at,
        max(created_at) as last_call_at
    from {{ ref('fct_calls') }}
    group by phone_number_sid
),

priced as (
    select
        numbers.phone_number_sid,
        messages.currency,
        messages.cost_amount as messages_cost_amount,
        cast(0 as decimal(18, 5)) as calls_cost_amount
    from {{ ref('fct_messages') }} as messages
    inner join numbers
        on messages.our_phone = numbers.phone_number
    where messages.is_priced
    union all
    select
        phone_number_sid,
        currency,
        0 as messages_cost_amount,
        cost_amount as calls_cost_amount
    from {{ ref('fct_calls') }}
    where is_priced
),

-- one row per number and currency: a number belongs to one account, billed in one
-- currency; if that ever broke, the grain test fails rather than adding currencies
costs as (
    select
        phone_number_sid,
        currency,
        sum(messages_cost_amount) as messages_cost_amount,
        sum(calls_cost_amount) as calls_cost_amount
    from priced
    group by phone_number_sid, currency
)

select
    numbers.phone_number_sid,
    numbers.phone_number,
    numbers.account_sid,
    numbers.friendly_name,
    numbers.number_type,
    countries.iso_country,
    countries.country_name,
    numbers.can_sms,
    numbers.can_mms,
    numbers.can_voice,
    numbers.number_status,
    numbers.origin,
    numbers.created_at,
    coalesce(message_totals.messages_inbound, 0) as messages_inbound,
    coalesce(message_totals.messages_outbound, 0) as messages_outbound,
    coalesce(message_totals.message_customers, 0) as message_customers,
    coalesce(call_totals.calls_inbound, 0) as calls_inbound,
    coalesce(call_totals.calls_outbound, 0) as calls_outbound,
    coalesce(call_totals.talk_seconds, 0) as talk_seconds,
    costs.currency,
    {{ to_money("coalesce(costs.messages_cost_amount, 0)") }} as messages_cost_amount,
    {{ to_money("coalesce(costs.calls_cost_amount, 0)") }} as calls_cost_amount,
    least(message_totals.first_message_at, call_totals.first_call_at) as first_activity_at,
    greatest(message_totals.last_message_at, call_totals.last_call_at) as last_activity_at
from numbers
left join countries
    on {{ phone_prefix('numbers.phone_number') }} = countries.phone_prefix
left join message_totals
    on numbers.phone_number = message_totals.our_phone
left join call_totals
    on numbers.phone_number_sid = call_totals.phone_number_sid
left join costs
    on numbers.phone_number_sid = costs.phone_number_sid
