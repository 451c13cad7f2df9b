with

messages as (
    select customer_phone, is_inbound, coalesce(sent_at, created_at) as contacted_at
    from {{ ref('fct_messages') }}
),

-- customer-facing calls only: child legs are our side of the same conversation
calls as (
    select
        customer_phone,
        direction = 'inbound' as is_inbound,
        coalesce(duration_seconds, 0) as duration_seconds,
        coalesce(started_at, created_at) as contacted_at
    from {{ ref('fct_calls') }}
    where not is_child_leg
),

message_totals as (
    select
        customer_phone,
        count(*) as messages_total,
        sum(case when is_inbound then 1 else 0 end) as messages_inbound,
        sum(case when is_inbound then 0 else 1 end) as messages_outbound,
        min(contacted_at) as first_message_at,
        max(contacted_at) as last_message_at
    from messages
    group by customer_phone
),

call_totals as (
    select
        customer_phone,
        count(*) as calls_total,
        sum(case when is_inbound then 1 else 0 end) as calls_inbound,
        sum(case when is_inbound then 0 else 1 end) as calls_outbound,
        sum(duration_seconds) as talk_seconds,
        min(contacted_at) as first_call_at,
        max(contacted_at) as last_call_at
    from calls
    group by customer_phone
),

customers as (
    select customer_phone from message_totals
    union
    select customer_phone from call_totals
),

final as (
    select
        customers.customer_phone,
        coalesce(message_totals.messages_total, 0) as messages_total,
        coalesce(message_totals.messages_inbound, 0) as messages_inbound,
        coalesce(message_totals.messages_outbound, 0) as messages_outbound,
        coalesce(call_totals.calls_total, 0) as calls_total,
        coalesce(call_totals.calls_inbound, 0) as calls_inbound,
        coalesce(call_totals.calls_outbound, 0) as calls_outbound,
        coalesce(call_totals.talk_seconds, 0) as talk_seconds,
        least(
            coalesce(message_totals.first_message_at, call_totals.first_call_at),
            coalesce(call_totals.first_call_at, message_totals.first_message_at)
        ) as first_contact_at,
        greatest(
            coalesce(message_totals.last_message_at, call_totals.last_call_at),
            coalesce(call_totals.last_call_at, message_totals.last_message_at)
        ) as last_contact_at
    from customers
    left join message_totals on customers.customer_phone = message_totals.customer_phone
    left join call_totals on customers.customer_phone = call_totals.customer_phone
)

select * from final
