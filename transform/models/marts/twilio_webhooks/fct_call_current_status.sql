{#- The freshest known status of every call: the last API sync, overtaken by any
    call progress event since. Callbacks say "initiated" where the API says "queued". -#}
with

api as (
    select
        call_sid,
        account_sid,
        status,
        updated_at
    from {{ ref('stg_twilio__calls') }}
),

webhook_ranked as (
    select
        *,
        row_number() over (
            partition by call_sid
            order by status_rank desc, sequence_number desc, event_seq desc
        ) as recency
    from {{ ref('int_twilio_webhooks__call_events') }}
),

webhook as (
    select
        call_sid,
        account_sid,
        case when status = 'initiated' then 'queued' else status end as status,
        status_rank,
        sequence_number,
        coalesce(occurred_at, received_at) as status_at
    from webhook_ranked
    where recency = 1
),

joined as (
    select
        coalesce(api.call_sid, webhook.call_sid) as call_sid,
        coalesce(api.account_sid, webhook.account_sid) as account_sid,
        api.status as api_status,
        api.updated_at as api_updated_at,
        webhook.status as webhook_status,
        webhook.sequence_number as webhook_sequence_number,
        webhook.status_at as webhook_status_at,
        webhook.status_rank as webhook_rank,
        {{ call_status_rank('api.status') }} as api_rank
    from api
    full outer join webhook on api.call_sid = webhook.call_sid
)

select
    call_sid,
    account_sid,
    {{ freshest_status() }},
    api_status,
    api_updated_at,
    webhook_status,
    webhook_sequence_number,
    webhook_status_at
from joined
