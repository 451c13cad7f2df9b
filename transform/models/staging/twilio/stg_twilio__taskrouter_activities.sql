with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'taskrouter_activities'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as activity_sid,
        account_sid,
        workspace_sid,
        friendly_name as activity_name,
        available as is_available,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
