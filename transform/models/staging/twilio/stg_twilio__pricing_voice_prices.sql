with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'pricing_voice_prices'),
        'iso_country',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        iso_country as country_code,
        country as country_name,
        upper(price_unit) as currency,
        outbound_prefix_prices as outbound_prefix_prices_json,
        inbound_call_prices as inbound_call_prices_json,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
