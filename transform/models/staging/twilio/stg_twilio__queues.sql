with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'queues'),
        'sid',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as queue_sid,
        account_sid,
        friendly_name as queue_name,
        current_size,
        max_size,
        average_wait_time as average_wait_seconds,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
