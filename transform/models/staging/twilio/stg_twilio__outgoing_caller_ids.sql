with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'outgoing_caller_ids'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as caller_id_sid,
        account_sid,
        phone_number,
        friendly_name,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
