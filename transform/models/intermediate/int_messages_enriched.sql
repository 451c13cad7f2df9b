-- One row per message with everything a mart needs to know about it: which party is
-- the customer, the channel, the customer's country, what an error means, whether the
-- message changed the customer's consent, and local times.

with

messages as (
    select * from {{ ref('stg_twilio__messages') }}
),

countries as (
    select * from {{ ref('int_phone_prefix_countries') }}
),

error_codes as (
    select * from {{ ref('twilio_error_codes') }}
),

keywords as (
    select * from {{ ref('opt_out_keywords') }}
),

parties as (
    select
        *,
        direction = 'inbound' as is_inbound,
        -- the customer is whichever party is not us
        {{ to_e164("case when direction = 'inbound' then from_address else to_address end") }}
            as customer_phone,
        {{ to_e164("case when direction = 'inbound' then to_address else from_address end") }}
            as our_phone,
        case
            when from_address like 'whatsapp:%' or to_address like 'whatsapp:%' then 'whatsapp'
            when num_media > 0 or message_sid like 'MM%' then 'mms'
            else 'sms'
        end as channel
    from messages
),

enriched as (
    select
        parties.message_sid,
        parties.account_sid,
        parties.messaging_service_sid,
        parties.direction,
        parties.is_inbound,
        parties.channel,
        parties.status,
        case
            when parties.is_inbound then 'received'
            {%- for status, outcome in var('message_statuses').items() %}
                when parties.status = '{{ status }}' then '{{ outcome }}'
            {%- endfor %}
            else 'pending'
        end as delivery_outcome,
        parties.error_code,
        parties.error_message,
        error_codes.error_meaning,
        error_codes.error_group,
        case
            when parties.is_inbound then keywords.consent_action
            when error_codes.error_group = 'opt_out' then 'opt_out'
        end as consent_action,
        parties.customer_phone,
        countries.iso_country as customer_country,
        parties.our_phone,
        parties.num_segments,
        parties.num_media,
        parties.price is not null as is_priced,
        -- Twilio's price is negative for a charge: costs are positive amounts
        {{ to_money("-parties.price") }} as cost_amount,
        parties.currency,
        parties.created_at,
        parties.sent_at,
        {{ to_local_time('parties.sent_at', var('reporting_timezone')) }} as sent_at_local,
        cast(parties.created_at as date) as message_date,
        {{ to_local_date('parties.created_at', var('reporting_timezone')) }}
            as message_date_local,
        parties.updated_at,
        parties.loaded_at
    from parties
    left join countries
        on {{ phone_prefix('parties.customer_phone') }} = countries.phone_prefix
    left join error_codes
        on parties.error_code = error_codes.error_code
    left join keywords
        on upper(trim(parties.body)) = keywords.keyword
)

select * from enriched
