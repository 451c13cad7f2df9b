with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'short_codes'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as short_code_sid,
        account_sid,
        short_code,
        friendly_name,
        sms_url,
        sms_method,
        sms_fallback_url,
        sms_fallback_method,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
