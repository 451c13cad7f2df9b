-- The rows fct_usage_daily does not flag as roll-ups must add up to Twilio's own
-- total (totalprice) for every account and day: if they do not, the usage_categories
-- seed misplaces a category (fix its parent_category). A warning, not an error: Twilio
-- may bill categories it does not report separately.
{{ config(severity='warn') }}

with

usage as (
    select * from {{ ref('fct_usage_daily') }}
),

leaves as (
    select
        account_sid,
        usage_date,
        sum(cost_amount) as leaves_amount
    from usage
    where not is_rollup
    group by account_sid, usage_date
),

totals as (
    select
        account_sid,
        usage_date,
        cost_amount as total_amount
    from usage
    where is_total
)

select
    totals.account_sid,
    totals.usage_date,
    totals.total_amount,
    leaves.leaves_amount
from totals
inner join leaves
    on
        totals.account_sid = leaves.account_sid
        and totals.usage_date = leaves.usage_date
where totals.total_amount <> leaves.leaves_amount
