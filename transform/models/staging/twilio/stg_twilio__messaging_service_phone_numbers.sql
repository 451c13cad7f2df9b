with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'messaging_service_phone_numbers'),
        'service_sid, sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        service_sid as messaging_service_sid,
        sid as phone_number_sid,
        account_sid,
        phone_number,
        country_code,
        {{ json_array_contains('capabilities', 'SMS') }} as can_sms,
        {{ json_array_contains('capabilities', 'MMS') }} as can_mms,
        {{ json_array_contains('capabilities', 'Voice') }} as can_voice,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
