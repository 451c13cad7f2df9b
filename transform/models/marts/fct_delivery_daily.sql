-- Delivery of our outbound messages per local day, account, our number, customer
-- country and channel: how many reached the handset, failed or are still pending, the
-- rates over messages with an outcome, and the error codes behind the failures.

{% set grain = ['message_date_local', 'account_sid', 'our_phone', 'customer_country', 'channel'] %}

with

outbound as (
    select * from {{ ref('fct_messages') }}
    where not is_inbound
),

counts as (
    select
        {% for column in grain %}{{ column }},
        {% endfor %}count(*) as messages_outbound,
        count(case when delivery_outcome = 'pending' then 1 end) as messages_pending,
        count(case when delivery_outcome = 'delivered' then 1 end) as messages_delivered,
        count(case when status = 'read' then 1 end) as messages_read,
        count(case when delivery_outcome = 'unconfirmed' then 1 end) as messages_unconfirmed,
        count(case when delivery_outcome = 'undelivered' then 1 end) as messages_undelivered,
        count(case when delivery_outcome = 'failed' then 1 end) as messages_failed,
        count(case when delivery_outcome = 'canceled' then 1 end) as messages_canceled
    from outbound
    group by {{ grain | join(', ') }}
),

error_counts as (
    select
        {% for column in grain %}{{ column }},
        {% endfor %}error_code,
        max(error_meaning) as error_meaning,
        count(*) as messages
    from outbound
    where error_code is not null
    group by {{ grain | join(', ') }}, error_code
),

ranked_errors as (
    select
        *,
        row_number() over (
            partition by {{ grain | join(', ') }}
            order by messages desc, error_code asc
        ) as error_rank
    from error_counts
),

top_errors as (
    select
        {% for column in grain %}{{ column }},
        {% endfor %}max(case when error_rank = 1 then error_code end) as top_error_code,
        max(case when error_rank = 1 then error_meaning end) as top_error_meaning,
        max(case when error_rank = 1 then messages end) as top_error_messages,
        string_agg(
            cast(error_code as varchar) || ' (' || cast(messages as varchar) || ')',
            ', ' order by error_rank
        ) as top_error_codes
    from ranked_errors
    where error_rank <= 3
    group by {{ grain | join(', ') }}
),

final as (
    select
        counts.*,
        counts.messages_outbound - counts.messages_pending as messages_with_outcome,
        {{ ratio('counts.messages_delivered',
                 'counts.messages_outbound - counts.messages_pending') }} as delivery_rate,
        {{ ratio('counts.messages_undelivered + counts.messages_failed',
                 'counts.messages_outbound - counts.messages_pending') }} as failure_rate,
        top_errors.top_error_code,
        top_errors.top_error_meaning,
        top_errors.top_error_messages,
        top_errors.top_error_codes
    from counts
    left join top_errors
        on
            counts.message_date_local = top_errors.message_date_local
            and counts.account_sid = top_errors.account_sid
            and counts.our_phone = top_errors.our_phone
            and counts.channel = top_errors.channel
            -- customer_country is null for unknown calling codes
            and counts.customer_country is not distinct from top_errors.customer_country
)

select * from final
