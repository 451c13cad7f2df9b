with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'keys'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as key_sid,
        account_sid,
        friendly_name as key_name,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
