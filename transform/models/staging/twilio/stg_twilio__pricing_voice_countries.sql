with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'pricing_voice_countries'),
        'iso_country',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        iso_country as country_code,
        country as country_name,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
