{#- The raw table exists only once tap-twilio-webhooks has run; until then this model
    is an empty relation of the same shape, so the rest of the project still builds. -#}
{%- set raw = source('twilio_webhooks', 'webhook_events') -%}
{%- set loaded = (load_relation(raw) is not none) if execute else true -%}

with

source as (
    {% if loaded %}
        select
            seq,
            dedupe_key,
            kind,
            account_sid,
            resource_sid,
            status,
            sequence_number,
            event_type,
            error_code,
            occurred_at,
            received_at,
            idempotency_token,
            payload
        from {{ raw }}
    {% else %}
        select
            cast(null as bigint) as seq,
            cast(null as varchar) as dedupe_key,
            cast(null as varchar) as kind,
            cast(null as varchar) as account_sid,
            cast(null as varchar) as resource_sid,
            cast(null as varchar) as status,
            cast(null as integer) as sequence_number,
            cast(null as varchar) as event_type,
            cast(null as integer) as error_code,
            cast(null as timestamp) as occurred_at,
            cast(null as timestamp) as received_at,
            cast(null as varchar) as idempotency_token,
            cast(null as varchar) as payload
        where 1 = 0
    {% endif %}
),

renamed as (
    select
        -- ids
        cast(seq as bigint) as event_seq,
        dedupe_key,
        idempotency_token,
        event_type,

        -- what the event is about
        kind as event_kind,
        case when kind = 'event_stream' then 'event_stream' else 'callback' end
            as delivery_channel,
        account_sid,
        case when resource_sid like 'SM%' or resource_sid like 'MM%' then resource_sid end
            as message_sid,
        case when resource_sid like 'CA%' then resource_sid end as call_sid,
        lower(status) as status,
        cast(sequence_number as integer) as sequence_number,
        cast(error_code as integer) as error_code,

        -- timestamps (UTC): when it happened, if the event says; when it reached us
        cast(occurred_at as timestamp) as occurred_at,
        cast(received_at as timestamp) as received_at,

        payload as payload_json
    from source
)

select * from renamed
