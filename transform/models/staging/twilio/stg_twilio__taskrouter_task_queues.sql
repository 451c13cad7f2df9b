with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'taskrouter_task_queues'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as task_queue_sid,
        account_sid,
        workspace_sid,
        friendly_name as task_queue_name,
        target_workers as target_workers_expression,
        task_order,
        max_reserved_workers,
        reservation_activity_sid,
        reservation_activity_name,
        assignment_activity_sid,
        assignment_activity_name,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
