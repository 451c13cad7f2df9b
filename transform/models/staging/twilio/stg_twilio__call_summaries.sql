with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'call_summaries'),
        'call_sid',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        call_sid,
        account_sid,
        call_type,
        call_state,
        answered_by,
        processing_state,

        -- parties
        "from" ->> 'caller' as from_address,
        "from" ->> 'country_code' as from_country_code,
        "from" ->> 'carrier' as from_carrier,
        "from" ->> 'connection' as from_connection,
        "to" ->> 'callee' as to_address,
        "to" ->> 'country_code' as to_country_code,
        "to" ->> 'carrier' as to_carrier,
        "to" ->> 'connection' as to_connection,

        -- call
        properties ->> 'direction' as direction,
        properties ->> 'disconnected_by' as disconnected_by,
        cast(properties ->> 'pdd_ms' as integer) as post_dial_delay_ms,
        cast(properties ->> 'last_sip_response_num' as integer) as last_sip_response_code,
        tags as tags_json,
        duration as duration_seconds,
        connect_duration as connect_duration_seconds,

        -- timestamps (UTC)
        start_time as started_at,
        end_time as ended_at,
        created_time as created_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
