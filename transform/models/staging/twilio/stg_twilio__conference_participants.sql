{%- set columns = {
    'conference_sid': 'text',
    'call_sid': 'text',
    'account_sid': 'text',
    'label': 'text',
    'status': 'text',
    'muted': 'boolean',
    'hold': 'boolean',
    'coaching': 'boolean',
    'call_sid_to_coach': 'text',
    'start_conference_on_enter': 'boolean',
    'end_conference_on_exit': 'boolean',
    'queue_time': 'integer',
    'date_created': 'timestamp',
    'date_updated': 'timestamp',
} -%}

with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'conference_participants', columns),
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
