with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'taskrouter_workspaces'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as workspace_sid,
        account_sid,
        friendly_name as workspace_name,
        default_activity_sid,
        default_activity_name,
        timeout_activity_sid,
        timeout_activity_name,
        multi_task_enabled as is_multi_task_enabled,
        prioritize_queue_order,
        event_callback_url,
        events_filter,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
