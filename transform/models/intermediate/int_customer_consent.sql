-- Each customer's consent, from the messages that change it: an inbound opt-out
-- keyword (STOP, ...), an outbound message refused with an opt-out error (21610: the
-- customer had unsubscribed), or an inbound opt-in keyword (START, UNSTOP). The
-- latest such message decides whether the customer is opted out now.

-- A table: one row per customer, read by dim_customers and four tests, each of
-- which would otherwise rank every consent message again.
{{ config(materialized='table') }}

with

events as (
    select
        customer_phone,
        message_sid,
        created_at,
        consent_action
    from {{ ref('int_messages_enriched') }}
    where consent_action is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_phone
            order by created_at desc, message_sid desc
        ) as recency
    from events
),

last_opt_in as (
    select
        customer_phone,
        max(created_at) as last_opted_in_at
    from events
    where consent_action = 'opt_in'
    group by customer_phone
),

summary as (
    select
        events.customer_phone,
        min(case when events.consent_action = 'opt_out' then events.created_at end)
            as first_opted_out_at,
        -- the start of the current opt-out: the first opt-out since the last opt-in
        min(
            case
                when
                    events.consent_action = 'opt_out'
                    and (
                        last_opt_in.last_opted_in_at is null
                        or events.created_at > last_opt_in.last_opted_in_at
                    )
                    then events.created_at
            end
        ) as current_opt_out_at,
        max(last_opt_in.last_opted_in_at) as last_opted_in_at
    from events
    left join last_opt_in
        on events.customer_phone = last_opt_in.customer_phone
    group by events.customer_phone
),

final as (
    select
        summary.customer_phone,
        summary.first_opted_out_at is not null as has_ever_opted_out,
        ranked.consent_action = 'opt_out' as is_opted_out,
        case when ranked.consent_action = 'opt_out' then summary.current_opt_out_at end
            as opted_out_at,
        summary.first_opted_out_at,
        summary.last_opted_in_at
    from summary
    inner join ranked
        on summary.customer_phone = ranked.customer_phone
    where ranked.recency = 1
)

select * from final
