{#- Each call's progress, in the order of its SequenceNumber, whatever order the
    callbacks arrived in. -#}
with

events as (
    select * from {{ ref('int_twilio_webhooks__call_events') }}
),

ordered as (
    select
        *,
        row_number() over (
            partition by call_sid order by sequence_number, occurred_at, event_seq
        ) as step,
        lag(status) over (
            partition by call_sid order by sequence_number, occurred_at, event_seq
        ) as previous_status,
        lag(occurred_at) over (
            partition by call_sid order by sequence_number, occurred_at, event_seq
        ) as previous_occurred_at,
        min(event_seq) over (
            partition by call_sid order by sequence_number, occurred_at, event_seq
            rows between 1 following and unbounded following
        ) as first_seq_of_later_steps
    from events
)

select
    call_sid,
    account_sid,
    sequence_number,
    step,
    status,
    status_rank = 4 as is_final,
    previous_status,
    occurred_at,
    {{ seconds_between('previous_occurred_at', 'occurred_at') }} as seconds_since_previous,
    received_at,
    coalesce(event_seq > first_seq_of_later_steps, false) as arrived_out_of_order,
    error_code
from ordered
