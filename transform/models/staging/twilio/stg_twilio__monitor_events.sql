with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'monitor_events'),
        'sid',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as event_sid,
        account_sid,
        event_type,
        description,
        resource_type,
        resource_sid,
        actor_type,
        actor_sid,
        source as event_source,
        source_ip_address,
        event_date as occurred_at,
        event_data as event_data_json,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
