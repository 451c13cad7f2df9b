-- int_usage_category_ancestors walks a fixed number of levels. A category whose
-- chain of parents is longer would lose its top ancestors: list such categories
-- (raise max_depth in that model if this ever returns rows).
with

ancestors as (
    select * from {{ ref('int_usage_category_ancestors') }}
),

categories as (
    select * from {{ ref('usage_categories') }}
),

deepest as (
    select max(distance) as max_distance
    from ancestors
)

select ancestors.category
from ancestors
inner join deepest
    on ancestors.distance = deepest.max_distance
inner join categories
    on ancestors.ancestor_category = categories.category
where categories.parent_category is not null
