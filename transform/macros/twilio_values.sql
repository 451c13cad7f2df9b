{#- Conversions shared by the models. Portable across DuckDB and PostgreSQL. -#}

{#- Twilio prices carry five decimals; decimal(18, 5) keeps every sum exact. -#}
{% macro to_money(expression) -%}
    cast({{ expression }} as decimal(18, 5))
{%- endmacro %}

{#- 'whatsapp:+15551234567' -> '+15551234567': the E.164 number behind a channel address. -#}
{% macro to_e164(expression) -%}
    regexp_replace({{ expression }}, '^[a-z-]+:', '')
{%- endmacro %}

{#- A UTC timestamp seen on the wall clock of an IANA timezone. Models pass
    var('reporting_timezone') themselves, so unit tests can override it. -#}
{% macro to_local_time(expression, timezone) -%}
    (({{ expression }}) at time zone 'UTC') at time zone '{{ timezone }}'
{%- endmacro %}

{#- The calendar day of a UTC timestamp in an IANA timezone. -#}
{% macro to_local_date(expression, timezone) -%}
    cast({{ to_local_time(expression, timezone) }} as date)
{%- endmacro %}

{#- The five-character key ('+' and four digits) that int_phone_prefix_countries maps
    to a country. -#}
{% macro phone_prefix(expression) -%}
    substr({{ expression }}, 1, 5)
{%- endmacro %}

{#- A ratio of two counts, 4 decimals, null when nothing to divide by. -#}
{% macro ratio(numerator, denominator) -%}
    cast(1.0 * ({{ numerator }}) / nullif({{ denominator }}, 0) as decimal(7, 4))
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

{#- The rows an incremental build reprocesses: every row loaded since the last build,
    plus var('incremental_lookback_hours') before it. On an empty target (after
    `dbt run --empty`) the watermark is the distant past, so everything is read. -#}
{% macro loaded_since_last_build(column='loaded_at') -%}
    {{ column }} > (
        select coalesce(max(loaded_at), cast('1900-01-01' as timestamp))
            - interval '{{ var("incremental_lookback_hours") }} hours'
        from {{ this }}
    )
{%- endmacro %}

{#- A JSON document Twilio sends as a string (TaskRouter's attributes, a workflow's
    configuration) as the warehouse's JSON type; null or '' stay null. -#}
{% macro parse_json(expression) -%}
    cast(nullif({{ expression }}, '') as {{ 'json' if target.type == 'duckdb' else 'jsonb' }})
{%- endmacro %}
