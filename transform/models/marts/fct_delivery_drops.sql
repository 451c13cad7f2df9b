-- Countries and numbers where delivery drops: an account's delivery rate to a customer
-- country, or from one of our numbers, at least var('delivery_drop_points') percentage
-- points below the previous period's (int_change_periods, local days), with at least
-- var('delivery_drop_min_messages') messages with an outcome in each period. One row
-- per flag, with the rule that raised it; steady delivery gives no rows.

{% set points = var('delivery_drop_points') | float %}
{% set min_messages = var('delivery_drop_min_messages') | int %}
{% set period_days = var('change_period_days') | int %}
{% set rule = ('delivery rate at least %s points below the previous %d days, with %d or more '
    ~ 'messages with an outcome in each period')
    | format('%g' | format(points), period_days, min_messages) %}
{#- dimension name, the fct_delivery_daily expression it groups by -#}
{% set dimensions = [
    ('customer_country', "coalesce(delivery.customer_country, 'unknown')"),
    ('our_phone', 'delivery.our_phone'),
] %}

with

periods as (
    select * from {{ ref('int_change_periods') }}
),

by_dimension as (
    {% for dimension, expression in dimensions %}
        select
            delivery.account_sid,
            '{{ dimension }}' as dimension,
            {{ expression }} as dimension_value,
            sum(case
                when delivery.message_date_local >= periods.current_start_date_local
                    then delivery.messages_delivered
                else 0
            end) as current_delivered,
            sum(case
                when delivery.message_date_local >= periods.current_start_date_local
                    then delivery.messages_with_outcome
                else 0
            end) as current_with_outcome,
            sum(case
                when delivery.message_date_local <= periods.previous_end_date_local
                    then delivery.messages_delivered
                else 0
            end) as previous_delivered,
            sum(case
                when delivery.message_date_local <= periods.previous_end_date_local
                    then delivery.messages_with_outcome
                else 0
            end) as previous_with_outcome
        from {{ ref('fct_delivery_daily') }} as delivery
        cross join periods
        where
            delivery.message_date_local
            between periods.previous_start_date_local and periods.current_end_date_local
        group by delivery.account_sid, {{ expression }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    by_dimension.account_sid,
    by_dimension.dimension,
    by_dimension.dimension_value,
    periods.current_start_date_local as current_start_date,
    periods.current_end_date_local as current_end_date,
    periods.previous_start_date_local as previous_start_date,
    periods.previous_end_date_local as previous_end_date,
    cast(by_dimension.current_with_outcome as bigint) as current_with_outcome,
    cast(by_dimension.current_delivered as bigint) as current_delivered,
    {{ ratio('by_dimension.current_delivered', 'by_dimension.current_with_outcome') }}
        as current_delivery_rate,
    cast(by_dimension.previous_with_outcome as bigint) as previous_with_outcome,
    cast(by_dimension.previous_delivered as bigint) as previous_delivered,
    {{ ratio('by_dimension.previous_delivered', 'by_dimension.previous_with_outcome') }}
        as previous_delivery_rate,
    cast(
        100.0 * by_dimension.previous_delivered / by_dimension.previous_with_outcome
        - 100.0 * by_dimension.current_delivered / by_dimension.current_with_outcome
        as decimal(7, 2)
    ) as drop_points,
    'delivery_drop' as rule_name,
    '{{ rule }}' as rule_description
from by_dimension
cross join periods
where
    by_dimension.current_with_outcome >= {{ min_messages }}
    and by_dimension.previous_with_outcome >= {{ min_messages }}
    -- previous rate - current rate >= points / 100, multiplied out: exact
    and 100 * (
        by_dimension.previous_delivered * by_dimension.current_with_outcome
        - by_dimension.current_delivered * by_dimension.previous_with_outcome
    )
    >= {{ points }} * by_dimension.previous_with_outcome * by_dimension.current_with_outcome
