with

source as (
    {{ latest_version(
        source('twilio', 'usage_records'),
        'account_sid, category, start_date',
        'as_of desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        account_sid,
        category,
        cast(start_date as date) as usage_date,
        cast(end_date as date) as end_date,
        description,
        cast(count as decimal(18, 5)) as usage_count,
        count_unit,
        cast(usage as decimal(18, 5)) as usage_amount,
        usage_unit,
        -- usage prices are already positive amounts billed
        {{ to_money('price') }} as price,
        upper(price_unit) as currency,
        as_of,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
