with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'taskrouter_tasks'),
        'sid',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as task_sid,
        account_sid,
        workspace_sid,
        assignment_status as status,
        reason,
        task_channel_unique_name as task_channel,
        task_channel_sid,
        task_queue_sid,
        task_queue_friendly_name as task_queue_name,
        workflow_sid,
        workflow_friendly_name as workflow_name,
        priority,
        timeout as timeout_seconds,
        age as age_seconds,
        routing_target,
        ignore_capacity as is_ignoring_capacity,
        {{ parse_json('attributes') }} as attributes_json,
        {{ parse_json('addons') }} as addons_json,
        date_created as created_at,
        task_queue_entered_date as queue_entered_at,
        virtual_start_time as virtual_started_at,
        date_updated as updated_at,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
