with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'calls'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        -- ids
        sid as call_sid,
        account_sid,
        parent_call_sid,
        phone_number_sid,

        -- parties
        "from" as from_address,
        "to" as to_address,
        caller_name,
        forwarded_from,

        -- outcome
        direction,
        status,
        answered_by,
        duration as duration_seconds,
        queue_time as queue_time_ms,

        -- money: negative for a charge, null until priced
        {{ to_money('price') }} as price,
        upper(price_unit) as currency,

        -- timestamps (UTC)
        start_time as started_at,
        end_time as ended_at,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
