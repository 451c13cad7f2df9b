{#- How far along its life a status is, so that events arriving out of order, or from
    two channels (status callbacks and Event Streams), still give the latest status:
    the most advanced one wins. Portable across DuckDB and PostgreSQL. -#}

{#- Messages: queued/accepted -> sending -> sent -> delivered/undelivered/failed -> read. -#}
{% macro message_status_rank(status) -%}
    case {{ status }}
        when 'scheduled' then 1
        when 'accepted' then 1
        when 'queued' then 1
        when 'receiving' then 1
        when 'sending' then 2
        when 'sent' then 3
        when 'delivered' then 4
        when 'undelivered' then 4
        when 'failed' then 4
        when 'canceled' then 4
        when 'partially_delivered' then 4
        when 'received' then 4
        when 'read' then 5
        else 0
    end
{%- endmacro %}

{#- Calls: queued (callbacks say initiated) -> ringing -> in-progress -> a final status. -#}
{% macro call_status_rank(status) -%}
    case {{ status }}
        when 'queued' then 1
        when 'initiated' then 1
        when 'ringing' then 2
        when 'in-progress' then 3
        when 'completed' then 4
        when 'busy' then 4
        when 'failed' then 4
        when 'no-answer' then 4
        when 'canceled' then 4
        else 0
    end
{%- endmacro %}

{#- Seconds between two timestamps, as a number. -#}
{% macro seconds_between(start, finish) -%}
    extract(epoch from ({{ finish }} - {{ start }}))
{%- endmacro %}

{#- The freshest of the last API sync and the webhooks, from columns api_status,
    api_rank, webhook_status and webhook_rank: the webhook wins only when it is
    further along (or the API has not seen the record yet). -#}
{% macro freshest_status() -%}
    case
        when api_status is null or webhook_rank > api_rank then webhook_status
        else api_status
    end as status,
    case
        when api_status is null or webhook_rank > api_rank then 'webhook'
        else 'api'
    end as status_source,
    api_status is null or coalesce(webhook_rank > api_rank, false) as is_ahead_of_api
{%- endmacro %}

{#- The current time in UTC, as a timestamp without a zone (as the loaders write times). -#}
{% macro utc_now() -%}
    (current_timestamp at time zone 'UTC')
{%- endmacro %}
