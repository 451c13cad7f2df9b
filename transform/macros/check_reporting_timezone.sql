{#- Run before every build (on-run-start): a wrong reporting_timezone stops the run
    once, up front, with a message naming the var, instead of failing every model
    that converts a time. -#}
{% macro check_reporting_timezone() %}
    {% set timezone = var('reporting_timezone') %}
    {% set known = true %}
    {% if execute and timezone and "'" not in timezone %}
        {% set found = run_query(
            "select count(*) from " ~ timezone_names() ~ " where name = '" ~ timezone ~ "'"
        ) %}
        {% set known = found.columns[0].values()[0] > 0 %}
    {% endif %}
    {% if not timezone or "'" in timezone or not known %}
        {{ exceptions.raise_compiler_error(
            "Unknown reporting_timezone '" ~ timezone ~ "': set var reporting_timezone (or env "
            ~ "DBT_REPORTING_TIMEZONE) to an IANA timezone name such as UTC or Europe/Paris"
        ) }}
    {% endif %}
{% endmacro %}

{#- The warehouse's list of timezone names (a view in PostgreSQL, a function in DuckDB). -#}
{% macro timezone_names() %}
    {{ return(adapter.dispatch('timezone_names')()) }}
{% endmacro %}

{% macro default__timezone_names() %}pg_timezone_names{% endmacro %}

{% macro duckdb__timezone_names() %}pg_timezone_names(){% endmacro %}
