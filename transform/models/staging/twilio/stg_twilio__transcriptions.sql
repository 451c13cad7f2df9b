{%- set columns = {
    'sid': 'text',
    'account_sid': 'text',
    'recording_sid': 'text',
    'status': 'text',
    'type': 'text',
    'duration': 'integer',
    'transcription_text': 'text',
    'price': 'money',
    'price_unit': 'text',
    'date_created': 'timestamp',
    'date_updated': 'timestamp',
} -%}

with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'transcriptions', columns),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as transcription_sid,
        account_sid,
        recording_sid,
        status,
        type as transcription_type,
        duration as duration_seconds,
        transcription_text,
        price,
        upper(price_unit) as currency,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
