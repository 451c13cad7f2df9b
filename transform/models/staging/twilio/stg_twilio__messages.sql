with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'messages'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        -- ids
        sid as message_sid,
        account_sid,
        messaging_service_sid,

        -- parties and content
        "from" as from_address,
        "to" as to_address,
        body,
        num_segments,
        num_media,

        -- outcome
        direction,
        status,
        error_code,
        error_message,

        -- money: Twilio's price is negative for a charge and null until priced
        {{ to_money('price') }} as price,
        upper(price_unit) as currency,

        -- timestamps (UTC)
        date_created as created_at,
        date_sent as sent_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
