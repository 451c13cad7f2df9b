with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'taskrouter_workflows'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as workflow_sid,
        account_sid,
        workspace_sid,
        friendly_name as workflow_name,
        {{ parse_json('configuration') }} as configuration_json,
        task_reservation_timeout as task_reservation_timeout_seconds,
        assignment_callback_url,
        fallback_assignment_callback_url,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
