-- One row per customer phone number: the history with them summed up (contacts,
-- messages and calls each way, talk time, spend per currency, delivery), their last
-- message status, whether they opted out, how long since they last replied, and who
-- they are when the customer_enrichment seed knows.

with

interactions as (
    select * from {{ ref('fct_customer_interactions') }}
),

messages as (
    select * from {{ ref('fct_messages') }}
),

-- "now" for days_since_last_reply: the latest message or call in the warehouse, so
-- the figure only moves when new data arrives
latest_activity as (
    select max(created_at) as latest_activity_at
    from (
        select created_at from messages
        union all
        select created_at from {{ ref('fct_calls') }}
    ) as activity
),

contacts as (
    select
        customer_phone,
        max(customer_country) as customer_country,
        count(case when interaction_type = 'message' then 1 end) as messages_total,
        count(case when interaction_type = 'message' and direction = 'inbound' then 1 end)
            as messages_inbound,
        count(case when interaction_type = 'message' and direction = 'outbound' then 1 end)
            as messages_outbound,
        count(case when interaction_type = 'call' then 1 end) as calls_total,
        count(case when interaction_type = 'call' and direction = 'inbound' then 1 end)
            as calls_inbound,
        count(case when interaction_type = 'call' and direction = 'outbound' then 1 end)
            as calls_outbound,
        coalesce(sum(case when interaction_type = 'call' then duration_seconds end), 0)
            as talk_seconds,
        min(occurred_at) as first_contact_at,
        max(occurred_at) as last_contact_at
    from interactions
    group by customer_phone
),

-- the account that talks to the customer most (a number may reach several subaccounts)
accounts as (
    select
        customer_phone,
        account_sid,
        row_number() over (
            partition by customer_phone
            order by count(*) desc, account_sid asc
        ) as account_rank
    from interactions
    group by customer_phone, account_sid
),

spend as (
    select
        customer_phone,
        currency,
        {{ to_money("sum(cost_amount)") }} as spend_amount
    from interactions
    where cost_amount is not null
    group by customer_phone, currency
),

spend_summary as (
    select
        customer_phone,
        count(*) as spend_currencies,
        max(currency) as any_currency,
        max(spend_amount) as any_amount,
        string_agg(
            currency || ' ' || cast(spend_amount as varchar), ', ' order by currency
        ) as spend_by_currency
    from spend
    group by customer_phone
),

message_summary as (
    select
        customer_phone,
        count(case when delivery_outcome = 'delivered' then 1 end) as messages_delivered,
        count(case when not is_inbound and delivery_outcome <> 'pending' then 1 end)
            as messages_with_outcome,
        max(case when is_inbound then created_at end) as last_reply_at
    from messages
    group by customer_phone
),

last_messages as (
    select
        customer_phone,
        status,
        created_at,
        row_number() over (
            partition by customer_phone
            order by created_at desc, message_sid desc
        ) as recency
    from messages
),

final as (
    select
        contacts.customer_phone,
        enrichment.customer_id,
        enrichment.customer_name,
        enrichment.customer_segment,
        contacts.customer_country,
        accounts.account_sid as primary_account_sid,
        contacts.first_contact_at,
        contacts.last_contact_at,
        contacts.messages_total,
        contacts.messages_inbound,
        contacts.messages_outbound,
        contacts.calls_total,
        contacts.calls_inbound,
        contacts.calls_outbound,
        contacts.talk_seconds,
        cast(contacts.talk_seconds / 60.0 as decimal(12, 2)) as talk_minutes,
        case when spend_summary.spend_currencies = 1 then spend_summary.any_currency end
            as spend_currency,
        case when spend_summary.spend_currencies = 1 then spend_summary.any_amount end
            as spend_amount,
        spend_summary.spend_by_currency,
        coalesce(message_summary.messages_delivered, 0) as messages_delivered,
        coalesce(message_summary.messages_with_outcome, 0) as messages_with_outcome,
        {{ ratio('message_summary.messages_delivered', 'message_summary.messages_with_outcome') }}
            as delivery_rate,
        last_messages.created_at as last_message_at,
        last_messages.status as last_message_status,
        coalesce(consent.has_ever_opted_out, false) as has_ever_opted_out,
        coalesce(consent.is_opted_out, false) as is_opted_out,
        consent.opted_out_at,
        message_summary.last_reply_at,
        {{ to_local_date('latest_activity.latest_activity_at', var('reporting_timezone')) }}
        - {{ to_local_date('message_summary.last_reply_at', var('reporting_timezone')) }}
            as days_since_last_reply
    from contacts
    cross join latest_activity
    left join accounts
        on
            contacts.customer_phone = accounts.customer_phone
            and accounts.account_rank = 1
    left join spend_summary
        on contacts.customer_phone = spend_summary.customer_phone
    left join message_summary
        on contacts.customer_phone = message_summary.customer_phone
    left join last_messages
        on
            contacts.customer_phone = last_messages.customer_phone
            and last_messages.recency = 1
    left join {{ ref('int_customer_consent') }} as consent
        on contacts.customer_phone = consent.customer_phone
    left join {{ ref('customer_enrichment') }} as enrichment
        on contacts.customer_phone = enrichment.phone_number
)

select * from final
