with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'conference_participants'),
        'conference_sid, call_sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        conference_sid,
        call_sid,
        account_sid,
        label as participant_label,
        status,
        muted as is_muted,
        hold as is_on_hold,
        coaching as is_coaching,
        call_sid_to_coach as coached_call_sid,
        start_conference_on_enter as starts_conference_on_enter,
        end_conference_on_exit as ends_conference_on_exit,
        queue_time as queue_time_ms,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
