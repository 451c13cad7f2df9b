{#- Each status a message reached, as the webhooks told it: one row per message and
    status, however many copies arrived and through however many channels. -#}
with

events as (
    select * from {{ ref('int_twilio_webhooks__message_events') }}
)

select
    message_sid,
    max(account_sid) as account_sid,
    status,
    max(status_rank) as status_rank,
    min(occurred_at) as occurred_at,
    min(received_at) as first_received_at,
    max(error_code) as error_code,
    count(*) as events_received,
    sum(case when delivery_channel = 'callback' then 1 else 0 end) as callback_events,
    sum(case when delivery_channel = 'event_stream' then 1 else 0 end) as event_stream_events
from events
group by message_sid, status
