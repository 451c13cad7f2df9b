with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'message_media'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as media_sid,
        account_sid,
        parent_sid as message_sid,
        content_type,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
