with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'users'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as user_sid,
        account_sid,
        chat_service_sid,
        role_sid,
        identity,
        friendly_name as user_name,
        is_online,
        is_notifiable,
        attributes as attributes_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
