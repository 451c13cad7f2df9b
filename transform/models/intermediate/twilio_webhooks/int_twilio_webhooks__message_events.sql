{#- Every message event from both channels: status callbacks and incoming messages
    (no time of their own) and Event Streams (which carry the change's time). -#}
with

events as (
    select * from {{ ref('stg_twilio_webhooks__events') }}
    where message_sid is not null and status is not null
)

select
    event_seq,
    message_sid,
    account_sid,
    status,
    {{ message_status_rank('status') }} as status_rank,
    event_kind,
    delivery_channel,
    error_code,
    occurred_at,
    received_at
from events
