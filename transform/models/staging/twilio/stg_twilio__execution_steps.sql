with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'execution_steps'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as step_sid,
        account_sid,
        flow_sid,
        execution_sid,
        parent_step_sid,
        name as event_name,
        type as widget_type,
        transitioned_from,
        transitioned_to,
        context as context_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
