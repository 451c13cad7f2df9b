with

messages as (
    select * from {{ ref('stg_twilio__messages') }}
),

enriched as (
    select
        message_sid,
        account_sid,
        messaging_service_sid,
        direction,
        direction = 'inbound' as is_inbound,
        case
            when from_address like 'whatsapp:%' or to_address like 'whatsapp:%' then 'whatsapp'
            when num_media > 0 or message_sid like 'MM%' then 'mms'
            else 'sms'
        end as channel,
        status,
        error_code,
        error_message,
        -- the customer is whichever party is not us
        {{ to_e164("case when direction = 'inbound' then from_address else to_address end") }}
            as customer_phone,
        {{ to_e164("case when direction = 'inbound' then to_address else from_address end") }}
            as our_phone,
        num_segments,
        num_media,
        price is not null as is_priced,
        -price as cost_amount,
        currency,
        created_at,
        sent_at,
        updated_at
    from messages
)

select * from enriched
