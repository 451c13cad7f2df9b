-- Every (category, ancestor) pair of the usage category hierarchy: sms-outbound-longcode
-- is part of sms-outbound, of sms and of totalprice. Walks up to max_depth levels with
-- plain joins (no recursive SQL, so the model stays unit-testable and portable);
-- assert_usage_category_depth fails if the seed ever gets deeper.

{% set max_depth = 6 %}

with

categories as (
    select
        category,
        parent_category
    from {{ ref('usage_categories') }}
),

ancestors as (
    {% for distance in range(1, max_depth + 1) %}
        select
            level_0.category,
            level_{{ distance - 1 }}.parent_category as ancestor_category,
            {{ distance }} as distance
        from categories as level_0
        {% for level in range(1, distance) %}
            inner join categories as level_{{ level }}
                on level_{{ level - 1 }}.parent_category = level_{{ level }}.category
        {% endfor %}
        where level_{{ distance - 1 }}.parent_category is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from ancestors
