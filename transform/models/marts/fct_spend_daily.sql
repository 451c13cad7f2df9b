-- Spend per account, UTC day, product and currency, two ways side by side: what Twilio
-- bills in its usage records, and what the individual messages and calls were priced.
-- The difference is the reconciliation: late prices, traffic the pipeline missed, or
-- charges with no message or call behind them (number rental, fees).

with

usage as (
    select
        account_sid,
        usage_date as spend_date,
        product,
        currency,
        sum(cost_amount) as usage_cost_amount
    from {{ ref('fct_usage_daily') }}
    where not is_rollup
    group by account_sid, usage_date, product, currency
),

messages as (
    select
        account_sid,
        -- Twilio bills a message on the UTC day it is sent (a scheduled one at SendAt),
        -- not the day it was created.
        coalesce(cast(sent_at as date), message_date) as spend_date,
        channel as product,
        currency,
        cost_amount
    from {{ ref('fct_messages') }}
    where is_priced
),

calls as (
    select
        account_sid,
        call_date as spend_date,
        'voice' as product,
        currency,
        cost_amount
    from {{ ref('fct_calls') }}
    where is_priced
),

traffic as (
    select
        account_sid,
        spend_date,
        product,
        currency,
        sum(cost_amount) as traffic_cost_amount,
        count(*) as priced_records
    from (
        select * from messages
        union all
        select * from calls
    ) as priced
    group by account_sid, spend_date, product, currency
),

keys as (
    select
        account_sid,
        spend_date,
        product,
        currency
    from usage
    union
    select
        account_sid,
        spend_date,
        product,
        currency
    from traffic
),

final as (
    select
        keys.account_sid,
        keys.spend_date,
        keys.product,
        keys.currency,
        {{ to_money("coalesce(usage.usage_cost_amount, 0)") }} as usage_cost_amount,
        -- only messages and calls carry their own price
        case
            when keys.product in ('sms', 'mms', 'whatsapp', 'voice')
                then {{ to_money("coalesce(traffic.traffic_cost_amount, 0)") }}
        end as traffic_cost_amount,
        case
            when keys.product in ('sms', 'mms', 'whatsapp', 'voice')
                then {{ to_money(
                    "coalesce(usage.usage_cost_amount, 0) - coalesce(traffic.traffic_cost_amount, 0)"
                ) }}
        end as difference_amount,
        coalesce(traffic.priced_records, 0) as priced_records
    from keys
    left join usage
        on
            keys.account_sid = usage.account_sid
            and keys.spend_date = usage.spend_date
            and keys.product = usage.product
            and keys.currency = usage.currency
    left join traffic
        on
            keys.account_sid = traffic.account_sid
            and keys.spend_date = traffic.spend_date
            and keys.product = traffic.product
            and keys.currency = traffic.currency
)

select * from final
-- days before any traffic, when Twilio reports every category at zero, say nothing
where usage_cost_amount <> 0 or priced_records > 0
