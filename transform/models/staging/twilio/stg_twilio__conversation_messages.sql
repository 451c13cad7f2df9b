with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'conversation_messages'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as conversation_message_sid,
        account_sid,
        conversation_sid,
        participant_sid,
        author,
        body,
        index as message_index,
        content_sid,
        media as media_json,
        delivery as delivery_json,
        attributes as attributes_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
