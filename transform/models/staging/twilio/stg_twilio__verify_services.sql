with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'verify_services'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as verify_service_sid,
        account_sid,
        friendly_name as verify_service_name,
        code_length,
        lookup_enabled as is_lookup_enabled,
        skip_sms_to_landlines as skips_sms_to_landlines,
        psd2_enabled as is_psd2_enabled,
        dtmf_input_required as is_dtmf_input_required,
        do_not_share_warning_enabled as is_do_not_share_warning_enabled,
        custom_code_enabled as is_custom_code_enabled,
        verify_event_subscription_enabled as is_event_subscription_enabled,
        tts_name,
        default_template_sid,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
