{#- Each outbound message's delivery outcome as the webhooks told it, and when that
    reached us: what the real-time alerts (switchboard/live_alerts.py) count over the
    last minutes, per our number, per destination country and per error code. The
    first final status received wins (a WhatsApp read after its delivered adds nothing;
    the same change from a callback and from Event Streams counts once). -#}
with

final_events as (
    select
        *,
        case
            {%- for status, outcome in var('message_statuses').items() %}
                when status = '{{ status }}' then '{{ outcome }}'
            {%- endfor %}
        end as delivery_outcome
    from {{ ref('stg_twilio_webhooks__events') }}
    where message_sid is not null and event_kind <> 'incoming_message'
),

first_outcome as (
    select
        *,
        row_number() over (
            partition by message_sid order by received_at, event_seq
        ) as outcome_rank
    from final_events
    where delivery_outcome in ('delivered', 'undelivered', 'failed')
),

countries as (
    select * from {{ ref('int_phone_prefix_countries') }}
),

error_codes as (
    select * from {{ ref('twilio_error_codes') }}
)

select
    first_outcome.message_sid,
    first_outcome.account_sid,
    {{ to_e164('first_outcome.from_address') }} as our_phone,
    {{ to_e164('first_outcome.to_address') }} as customer_phone,
    countries.iso_country as customer_country,
    first_outcome.delivery_outcome,
    first_outcome.status,
    first_outcome.error_code,
    error_codes.error_meaning,
    first_outcome.occurred_at,
    first_outcome.received_at
from first_outcome
left join countries
    on {{ phone_prefix(to_e164('first_outcome.to_address')) }} = countries.phone_prefix
left join error_codes on first_outcome.error_code = error_codes.error_code
where first_outcome.outcome_rank = 1
