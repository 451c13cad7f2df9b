{#- The freshest known status of every message: the last API sync, overtaken by any
    webhook that reported a later status since (or a message the API has not shown yet). -#}
with

api as (
    select
        message_sid,
        account_sid,
        status,
        updated_at
    from {{ ref('stg_twilio__messages') }}
),

webhook_ranked as (
    select
        *,
        row_number() over (
            partition by message_sid order by status_rank desc, first_received_at desc
        ) as recency
    from {{ ref('fct_message_status_events') }}
),

webhook as (
    select * from webhook_ranked
    where recency = 1
),

joined as (
    select
        coalesce(api.message_sid, webhook.message_sid) as message_sid,
        coalesce(api.account_sid, webhook.account_sid) as account_sid,
        api.status as api_status,
        api.updated_at as api_updated_at,
        webhook.status as webhook_status,
        coalesce(webhook.occurred_at, webhook.first_received_at) as webhook_status_at,
        webhook.status_rank as webhook_rank,
        {{ message_status_rank('api.status') }} as api_rank
    from api
    full outer join webhook on api.message_sid = webhook.message_sid
)

select
    message_sid,
    account_sid,
    {{ freshest_status() }},
    api_status,
    api_updated_at,
    webhook_status,
    webhook_status_at
from joined
