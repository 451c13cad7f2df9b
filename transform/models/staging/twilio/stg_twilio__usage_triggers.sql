with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'usage_triggers'),
        'sid',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as usage_trigger_sid,
        account_sid,
        friendly_name as trigger_name,
        usage_category,
        trigger_by,
        recurring,
        trigger_value,
        current_value,
        callback_url,
        callback_method,
        date_fired as last_fired_at,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
