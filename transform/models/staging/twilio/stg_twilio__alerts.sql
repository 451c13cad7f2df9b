with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'alerts'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as alert_sid,
        account_sid,
        cast(error_code as integer) as error_code,
        log_level,
        alert_text,
        more_info as more_info_url,
        request_method,
        request_url,
        resource_sid,
        service_sid,
        date_generated as generated_at,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
