{#- A row-level invariant: every row must satisfy the expression (e.g. cost_amount >= 0).
    Failing rows are returned, so `dbt test --store-failures` shows them. -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
