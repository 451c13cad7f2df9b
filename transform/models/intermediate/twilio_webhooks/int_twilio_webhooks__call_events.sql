{#- Call progress events, one per call and SequenceNumber (a status Twilio sent twice
    under two idempotency tokens counts once), in the order of the call's life. -#}
with

events as (
    select
        *,
        row_number() over (
            partition by call_sid, sequence_number, status order by event_seq
        ) as copy_number
    from {{ ref('stg_twilio_webhooks__events') }}
    where call_sid is not null and status is not null
)

select
    event_seq,
    call_sid,
    account_sid,
    sequence_number,
    status,
    {{ call_status_rank('status') }} as status_rank,
    error_code,
    occurred_at,
    received_at
from events
where copy_number = 1
