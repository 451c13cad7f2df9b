with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'taskrouter_task_channels'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as task_channel_sid,
        account_sid,
        workspace_sid,
        unique_name as task_channel_name,
        friendly_name,
        channel_optimized_routing as is_channel_optimized_routing,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
