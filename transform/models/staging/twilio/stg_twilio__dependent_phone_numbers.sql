with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'dependent_phone_numbers'),
        'address_sid, sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        address_sid,
        sid as phone_number_sid,
        account_sid,
        phone_number,
        friendly_name,
        address_requirements,
        emergency_status,
        emergency_address_sid,
        trunk_sid,
        voice_application_sid,
        sms_application_sid,
        {{ json_flag('capabilities', 'sms') }} as can_sms,
        {{ json_flag('capabilities', 'mms') }} as can_mms,
        {{ json_flag('capabilities', 'voice') }} as can_voice,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
