with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'recordings'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as recording_sid,
        account_sid,
        call_sid,
        conference_sid,
        source as recording_source,
        status,
        channels,
        duration as duration_seconds,
        error_code,
        {{ to_money('price') }} as price,
        upper(price_unit) as currency,
        media_url,
        start_time as started_at,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
