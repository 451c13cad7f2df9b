{%- set columns = {
    'sid': 'text',
    'account_sid': 'text',
    'flow_sid': 'text',
    'flow_version': 'integer',
    'contact_sid': 'text',
    'contact_channel_address': 'text',
    'initiated_by': 'text',
    'status': 'text',
    'context': 'json',
    'date_created': 'timestamp',
    'date_updated': 'timestamp',
} -%}

with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'executions', columns),
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
