-- What changed: each account's spend (per currency), messages, call minutes and
-- delivery rate over the last complete days (int_change_periods) against the period
-- before. Totals and bases are additive, so a dashboard can add accounts up and divide
-- afterwards; amounts in two currencies stay on two rows.

{#- measure, fct_account_daily column: counts on UTC days, as Twilio bills them -#}
{% set activity_measures = [
    ('messages', 'messages_total'),
    ('call_minutes', 'call_billed_minutes'),
] %}

with

periods as (
    select * from {{ ref('int_change_periods') }}
),

spend as (
    select
        spend.account_sid,
        'spend' as measure,
        spend.currency,
        'utc' as day_basis,
        sum(case
            when spend.spend_date >= periods.current_start_date
                then spend.usage_cost_amount
            else 0
        end) as current_total,
        cast(null as bigint) as current_base,
        sum(case
            when spend.spend_date <= periods.previous_end_date
                then spend.usage_cost_amount
            else 0
        end) as previous_total,
        cast(null as bigint) as previous_base
    from {{ ref('fct_spend_daily') }} as spend
    cross join periods
    where spend.spend_date between periods.previous_start_date and periods.current_end_date
    group by spend.account_sid, spend.currency
),

activity as (
    {% for measure, column in activity_measures %}
        select
            activity.account_sid,
            '{{ measure }}' as measure,
            cast(null as varchar) as currency,
            'utc' as day_basis,
            sum(case
                when activity.activity_date >= periods.current_start_date
                    then activity.{{ column }}
                else 0
            end) as current_total,
            cast(null as bigint) as current_base,
            sum(case
                when activity.activity_date <= periods.previous_end_date
                    then activity.{{ column }}
                else 0
            end) as previous_total,
            cast(null as bigint) as previous_base
        from {{ ref('fct_account_daily') }} as activity
        cross join periods
        where
            activity.activity_date
            between periods.previous_start_date and periods.current_end_date
        group by activity.account_sid
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- delivered over messages with an outcome, on days of the reporting timezone
delivery as (
    select
        delivery.account_sid,
        'delivery_rate' as measure,
        cast(null as varchar) as currency,
        'reporting_timezone' as day_basis,
        sum(case
            when delivery.message_date_local >= periods.current_start_date_local
                then delivery.messages_delivered
            else 0
        end) as current_total,
        sum(case
            when delivery.message_date_local >= periods.current_start_date_local
                then delivery.messages_with_outcome
            else 0
        end) as current_base,
        sum(case
            when delivery.message_date_local <= periods.previous_end_date_local
                then delivery.messages_delivered
            else 0
        end) as previous_total,
        sum(case
            when delivery.message_date_local <= periods.previous_end_date_local
                then delivery.messages_with_outcome
            else 0
        end) as previous_base
    from {{ ref('fct_delivery_daily') }} as delivery
    cross join periods
    where
        delivery.message_date_local
        between periods.previous_start_date_local and periods.current_end_date_local
    group by delivery.account_sid
),

measures as (
    select * from spend
    union all
    select * from activity
    union all
    select * from delivery
),

valued as (
    select
        measures.account_sid,
        measures.measure,
        measures.currency,
        measures.day_basis,
        periods.period_days,
        case when measures.day_basis = 'utc'
                then periods.current_start_date
            else periods.current_start_date_local
        end as current_start_date,
        case when measures.day_basis = 'utc'
                then periods.current_end_date
            else periods.current_end_date_local
        end as current_end_date,
        case when measures.day_basis = 'utc'
                then periods.previous_start_date
            else periods.previous_start_date_local
        end as previous_start_date,
        case when measures.day_basis = 'utc'
                then periods.previous_end_date
            else periods.previous_end_date_local
        end as previous_end_date,
        {{ to_money('measures.current_total') }} as current_total,
        cast(measures.current_base as bigint) as current_base,
        {{ to_money('measures.previous_total') }} as previous_total,
        cast(measures.previous_base as bigint) as previous_base,
        -- one type for both kinds of value, on every warehouse
        cast(case when measures.measure = 'delivery_rate'
                then {{ ratio('measures.current_total', 'measures.current_base') }}
            else measures.current_total
        end as decimal(18, 5)) as current_value,
        cast(case when measures.measure = 'delivery_rate'
                then {{ ratio('measures.previous_total', 'measures.previous_base') }}
            else measures.previous_total
        end as decimal(18, 5)) as previous_value
    from measures
    cross join periods
)

select
    *,
    current_value - previous_value as change_value,
    -- relative change of totals; a rate's change is change_value (in points)
    case when measure <> 'delivery_rate'
            then cast(
                    (current_value - previous_value) / nullif(previous_value, 0) as decimal(18, 4)
                )
    end as change_ratio
from valued
