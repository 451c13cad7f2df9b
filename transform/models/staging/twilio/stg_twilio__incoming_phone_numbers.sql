with

source as (
    {{ latest_version(
        source('twilio', 'incoming_phone_numbers'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as phone_number_sid,
        account_sid,
        phone_number,
        friendly_name,
        type as number_type,
        origin,
        status as number_status,
        cast(capabilities ->> 'sms' as boolean) as can_sms,
        cast(capabilities ->> 'mms' as boolean) as can_mms,
        cast(capabilities ->> 'voice' as boolean) as can_voice,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
