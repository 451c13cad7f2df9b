with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'conversation_participants'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as participant_sid,
        account_sid,
        conversation_sid,
        identity,
        role_sid,
        messaging_binding ->> 'type' as binding_type,
        messaging_binding ->> 'address' as binding_address,
        messaging_binding ->> 'proxy_address' as binding_proxy_address,
        last_read_message_index,
        cast(last_read_timestamp as timestamp) as last_read_at,
        attributes as attributes_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
