with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'conversations'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as conversation_sid,
        account_sid,
        chat_service_sid,
        messaging_service_sid,
        friendly_name as conversation_name,
        unique_name,
        state,
        cast(timers ->> 'date_inactive' as timestamp) as becomes_inactive_at,
        cast(timers ->> 'date_closed' as timestamp) as closes_at,
        attributes as attributes_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
