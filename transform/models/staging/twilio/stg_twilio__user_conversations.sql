with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'user_conversations'),
        'user_sid, conversation_sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        user_sid,
        conversation_sid,
        account_sid,
        chat_service_sid,
        participant_sid,
        friendly_name as conversation_name,
        unique_name,
        conversation_state,
        notification_level,
        unread_messages_count,
        last_read_message_index,
        created_by,
        attributes as attributes_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
