{#- A raw table as a subquery with its columns cast to their declared types, or, when
    the table does not exist, an empty relation of exactly that shape. A loader creates
    a stream's table only once it has loaded a record, and a user may select any subset
    of the tap's streams: every staging model still builds, so `dbt build` works
    whichever streams were loaded.

    columns: raw column name -> type, in order; by default the columns and data_type
    of the source's YAML (generated from the tap's schemas by
    scripts/sync_sources.py). A SQL type, or 'money' (a price: decimal(18, 5), see
    to_money) or 'json' (an object or array, as the warehouse's JSON type: json in
    DuckDB, jsonb in PostgreSQL). The loader's _sdc_batched_at and _sdc_extracted_at
    are always added. -#}
{% macro source_or_empty(source_name, table_name, columns=none) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- a unit test: its given rows stand in for the table, typed as they are given -#}
    {%- set unit_test = execute and relation.schema is none -%}
    {%- set loaded = not execute or unit_test or load_relation(relation) is not none -%}
    {%- set declared = columns if columns is not none
        else source_columns(source_name, table_name) -%}
    {%- set typed = {} if unit_test
        else dict(declared, _sdc_batched_at='timestamp', _sdc_extracted_at='timestamp') -%}
(
    select
    {%- if unit_test %}
        *
    {%- endif %}
    {%- for name, type in typed.items() %}
        {{ typed_column('"' ~ name ~ '"' if loaded else none, type) }} as "{{ name }}"
        {{- "," if not loop.last }}
    {%- endfor %}
    {%- if loaded %}
    from {{ relation }}
    {%- else %}
    where 1 = 0
    {%- endif %}
)
{%- endmacro %}

{#- The columns a source table declares in YAML, with their data_type, in order
    (empty while dbt parses: the graph is not there yet). -#}
{% macro source_columns(source_name, table_name) -%}
    {%- set found = {} -%}
    {%- if execute -%}
        {%- for node in graph.get('sources', {}).values() -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {%- for column in node.columns.values() -%}
                    {%- do found.update({column.name: column.data_type}) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(found) -}}
{%- endmacro %}

{#- One column cast to its declared type; a typed null when expression is none.
    JSON: PostgreSQL's loader writes objects as jsonb and arrays as text[] or jsonb[],
    which to_jsonb turns into jsonb; DuckDB's writes JSON already. -#}
{% macro typed_column(expression, type) -%}
    {%- set duckdb = target.type == 'duckdb' -%}
    {%- if type == 'money' -%}
        {{ to_money(expression or 'null') }}
    {%- elif type == 'json' and expression -%}
        {{ 'cast(' ~ expression ~ ' as json)' if duckdb else 'to_jsonb(' ~ expression ~ ')' }}
    {%- elif type == 'json' -%}
        cast(null as {{ 'json' if duckdb else 'jsonb' }})
    {%- else -%}
        cast({{ expression or 'null' }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- Whether a JSON array of strings holds a value, e.g. ["SMS", "Voice"] and 'SMS'.
    Portable: both warehouses print a JSON array the same way. -#}
{% macro json_array_contains(expression, value) -%}
    (cast({{ expression }} as text) like '%"{{ value }}"%')
{%- endmacro %}

{#- A boolean of a JSON object, whatever the case of its key: Twilio writes number
    capabilities as {"sms": true} on some resources and {"SMS": true} on others. -#}
{% macro json_flag(expression, key) -%}
    cast(coalesce(
        {{ expression }} ->> '{{ key | lower }}',
        {{ expression }} ->> '{{ key | upper }}',
        {{ expression }} ->> '{{ key | capitalize }}'
    ) as boolean)
{%- endmacro %}
