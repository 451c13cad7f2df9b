-- Days and products where spend jumps: a product's usage records on a UTC day at least
-- var('spend_jump_ratio') times its daily average over the var('spend_jump_baseline_days')
-- days before (days without spend count as zero), and at least var('spend_jump_min_amount')
-- more. Only days with that many days of history before them are judged. One row per
-- flag, with the rule that raised it; a quiet history gives no rows.

{% set ratio = var('spend_jump_ratio') | float %}
{% set baseline_days = var('spend_jump_baseline_days') | int %}
{% set min_amount = var('spend_jump_min_amount') | float %}
{% set ignored = var('spend_jump_ignored_products') %}
{% set ignored_list = "'" ~ ignored | join("', '") ~ "'" %}
{% set rule = 'spend at least %s× the daily average of the %d days before, and %.2f more'
    | format('%g' | format(ratio), baseline_days, min_amount) %}

with

spend as (
    select
        account_sid,
        spend_date,
        product,
        currency,
        usage_cost_amount
    from {{ ref('fct_spend_daily') }}
    {% if ignored %}
        where product not in ({{ ignored_list }})
    {% endif %}
),

history as (
    select min(spend_date) as first_date
    from {{ ref('fct_spend_daily') }}
),

judged as (
    select
        spend.account_sid,
        spend.spend_date,
        spend.product,
        spend.currency,
        spend.usage_cost_amount,
        coalesce(sum(earlier.usage_cost_amount), 0) as baseline_total
    from spend
    cross join history
    left join spend as earlier
        on
            spend.account_sid = earlier.account_sid
            and spend.product = earlier.product
            and spend.currency = earlier.currency
            and earlier.spend_date between spend.spend_date - {{ baseline_days }}
            and spend.spend_date - 1
    where spend.spend_date - {{ baseline_days }} >= history.first_date
    group by
        spend.account_sid,
        spend.spend_date,
        spend.product,
        spend.currency,
        spend.usage_cost_amount
)

select
    account_sid,
    spend_date,
    product,
    currency,
    usage_cost_amount as spend_amount,
    {{ to_money('1.0 * baseline_total / ' ~ baseline_days) }} as baseline_amount,
    {{ to_money('usage_cost_amount - 1.0 * baseline_total / ' ~ baseline_days) }} as jump_amount,
    -- null when nothing was spent before: new spend
    cast(
        {{ baseline_days }} * usage_cost_amount / nullif(baseline_total, 0) as decimal(18, 2)
    ) as jump_ratio,
    {{ baseline_days }} as baseline_days,
    'spend_jump' as rule_name,
    '{{ rule }}' as rule_description
from judged
-- exact: no average is rounded before it is compared
where
    {{ baseline_days }} * usage_cost_amount >= {{ ratio }} * baseline_total
    and {{ baseline_days }} * usage_cost_amount - baseline_total
    >= {{ min_amount }} * {{ baseline_days }}
