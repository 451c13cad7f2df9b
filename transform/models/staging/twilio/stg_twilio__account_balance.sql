with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'account_balance'),
        'account_sid',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        account_sid,
        {{ to_money('balance') }} as balance_amount,
        upper(currency) as currency,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
