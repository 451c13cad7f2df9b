{#- The grain test for composite keys: no two rows share these columns.
    (dbt_utils has one, but no dbt package can be fetched here.) -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(", ") }},
    count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(", ") }}
having count(*) > 1
{% endtest %}
