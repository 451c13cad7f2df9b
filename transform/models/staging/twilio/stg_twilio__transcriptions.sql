with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'transcriptions'),
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
        {{ to_money('price') }} as price,
        upper(price_unit) as currency,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
