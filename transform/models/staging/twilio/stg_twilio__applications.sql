with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'applications'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as application_sid,
        account_sid,
        friendly_name as application_name,

        -- calls
        voice_url,
        voice_method,
        voice_fallback_url,
        voice_fallback_method,
        voice_caller_id_lookup as is_caller_id_lookup_enabled,
        status_callback as status_callback_url,
        status_callback_method,

        -- messages
        sms_url,
        sms_method,
        sms_fallback_url,
        sms_fallback_method,
        sms_status_callback as sms_status_callback_url,
        message_status_callback as message_status_callback_url,

        -- other
        public_application_connect_enabled as is_public_connect_enabled,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
