{#- The raw table exists only once tap-twilio-webhooks has run; until then this model
    is an empty relation of the same shape (source_or_empty), so the rest of the
    project still builds. -#}
{%- set columns = {
    'seq': 'bigint',
    'dedupe_key': 'text',
    'kind': 'text',
    'account_sid': 'text',
    'resource_sid': 'text',
    'status': 'text',
    'sequence_number': 'integer',
    'event_type': 'text',
    'error_code': 'integer',
    'occurred_at': 'timestamp',
    'received_at': 'timestamp',
    'idempotency_token': 'text',
    'payload': 'text',
} -%}

with

source as (
    {{ latest_version(
        source_or_empty('twilio_webhooks', 'webhook_events', columns),
        'seq',
        '_sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        -- ids
        seq as event_seq,
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
        sequence_number,
        error_code,

        -- the parties, as sent: callbacks' From and To, a CloudEvent's data.from and data.to
        coalesce(
            {{ parse_json('payload') }} ->> 'From',
            {{ parse_json('payload') }} -> 'data' ->> 'from'
        ) as from_address,
        coalesce(
            {{ parse_json('payload') }} ->> 'To',
            {{ parse_json('payload') }} -> 'data' ->> 'to'
        ) as to_address,

        -- timestamps (UTC): when it happened, if the event says; when it reached us
        occurred_at,
        received_at,

        payload as payload_json
    from source
)

select * from renamed
