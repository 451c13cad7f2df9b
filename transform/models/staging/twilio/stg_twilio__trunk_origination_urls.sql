with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'trunk_origination_urls'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as origination_url_sid,
        trunk_sid,
        account_sid,
        friendly_name as origination_url_name,
        sip_url,
        priority,
        weight,
        enabled as is_enabled,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
