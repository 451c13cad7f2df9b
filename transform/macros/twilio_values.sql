{#- Conversions shared by the staging models. Portable across DuckDB and PostgreSQL. -#}

{#- Twilio prices carry five decimals; decimal(18, 5) keeps every sum exact. -#}
{% macro to_money(expression) -%}
    cast({{ expression }} as decimal(18, 5))
{%- endmacro %}

{#- 'whatsapp:+15551234567' -> '+15551234567': the E.164 number behind a channel address. -#}
{% macro to_e164(expression) -%}
    regexp_replace({{ expression }}, '^[a-z-]+:', '')
{%- endmacro %}

{#- A UTC timestamp seen on the wall clock of var('reporting_timezone'). -#}
{% macro to_reporting_time(expression) -%}
    (({{ expression }}) at time zone 'UTC') at time zone '{{ var("reporting_timezone") }}'
{%- endmacro %}

{#- One row per key: the latest version of each record. The tap re-reads recent
    days and a loader may append, so raw tables can hold several versions. -#}
{% macro latest_version(relation, key, order_by) -%}
select *
from (
    select
        versions.*,
        row_number() over (partition by {{ key }} order by {{ order_by }}) as version_rank
    from {{ relation }} as versions
) as ranked
where version_rank = 1
{%- endmacro %}
