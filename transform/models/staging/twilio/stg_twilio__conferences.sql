with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'conferences'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as conference_sid,
        account_sid,
        friendly_name as conference_name,
        status,
        region,
        reason_conference_ended as ended_reason,
        call_sid_ending_conference as ended_by_call_sid,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
