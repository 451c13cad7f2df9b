with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'messaging_services'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as messaging_service_sid,
        account_sid,
        friendly_name as messaging_service_name,
        usecase as use_case,
        inbound_request_url,
        inbound_method,
        fallback_url,
        fallback_method,
        status_callback as status_callback_url,
        use_inbound_webhook_on_number as uses_number_webhooks,
        sticky_sender as is_sticky_sender,
        mms_converter as is_mms_converter,
        smart_encoding as is_smart_encoding,
        area_code_geomatch as is_area_code_geomatch,
        fallback_to_long_code as is_fallback_to_long_code,
        validity_period as validity_period_seconds,
        scan_message_content,
        synchronous_validation as is_synchronous_validation,
        us_app_to_person_registered as is_us_a2p_registered,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
