{#- How long each message took from sent to delivered. Event times (Event Streams)
    when both changes carry one; otherwise the receiver's receipt times, which are on
    one clock too but include Twilio's and the network's delays. -#}
with

statuses as (
    select * from {{ ref('fct_message_status_events') }}
),

sent as (
    select * from statuses
    where status = 'sent'
),

delivered as (
    select * from statuses
    where status = 'delivered'
)

select
    delivered.message_sid,
    delivered.account_sid,
    coalesce(sent.occurred_at, sent.first_received_at) as sent_at,
    coalesce(delivered.occurred_at, delivered.first_received_at) as delivered_at,
    case
        when sent.occurred_at is not null and delivered.occurred_at is not null
            then 'event_time'
        else 'receipt_time'
    end as measured_from,
    case
        when sent.occurred_at is not null and delivered.occurred_at is not null
            then {{ seconds_between('sent.occurred_at', 'delivered.occurred_at') }}
        else {{ seconds_between('sent.first_received_at', 'delivered.first_received_at') }}
    end as latency_seconds
from delivered
inner join sent on delivered.message_sid = sent.message_sid
