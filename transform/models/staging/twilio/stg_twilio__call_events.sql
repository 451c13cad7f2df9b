with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'call_events'),
        'call_sid, sequence',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        call_sid,
        sequence as event_sequence,
        account_sid,
        request ->> 'method' as request_method,
        request ->> 'url' as request_url,
        cast(response ->> 'response_code' as integer) as response_code,
        cast(response ->> 'request_duration' as integer) as request_duration_ms,
        response ->> 'content_type' as response_content_type,
        request as request_json,
        response as response_json,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
