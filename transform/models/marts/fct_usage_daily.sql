-- Twilio's usage records per account, category and UTC day, with each category placed
-- in the hierarchy. Twilio reports roll-ups (totalprice, sms, calls, ...) next to the
-- categories they sum; is_rollup marks a row whose sub-categories are reported the same
-- day, so summing the rows where it is false never counts anything twice.

with

usage as (
    select * from {{ ref('stg_twilio__usage_records') }}
),

categories as (
    select * from {{ ref('usage_categories') }}
),

ancestors as (
    select * from {{ ref('int_usage_category_ancestors') }}
),

-- the roll-ups that have at least one of their sub-categories reported that day
rollups_reported as (
    select distinct
        usage.account_sid,
        usage.usage_date,
        ancestors.ancestor_category as category
    from usage
    inner join ancestors
        on usage.category = ancestors.category
)

select
    usage.account_sid,
    usage.usage_date,
    usage.category,
    usage.description as category_description,
    categories.parent_category,
    coalesce(categories.product, 'other') as product,
    categories.category is not null as is_known_category,
    rollups_reported.category is not null as is_rollup,
    usage.category = 'totalprice' as is_total,
    usage.usage_count,
    usage.count_unit,
    usage.usage_amount,
    usage.usage_unit,
    usage.price as cost_amount,
    usage.currency,
    usage.as_of,
    usage.loaded_at
from usage
left join categories
    on usage.category = categories.category
left join rollups_reported
    on
        usage.account_sid = rollups_reported.account_sid
        and usage.usage_date = rollups_reported.usage_date
        and usage.category = rollups_reported.category
