with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'executions'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as execution_sid,
        account_sid,
        flow_sid,
        flow_version,
        contact_sid,
        contact_channel_address,
        initiated_by as initiated_by_sid,
        status,
        context as context_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
