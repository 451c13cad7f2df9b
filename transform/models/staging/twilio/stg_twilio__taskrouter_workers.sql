with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'taskrouter_workers'),
        'sid',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as worker_sid,
        account_sid,
        workspace_sid,
        friendly_name as worker_name,
        activity_sid,
        activity_name,
        available as is_available,
        {{ parse_json('attributes') }} as attributes_json,
        date_status_changed as activity_changed_at,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
