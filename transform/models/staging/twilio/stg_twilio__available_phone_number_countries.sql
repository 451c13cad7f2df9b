with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'available_phone_number_countries'),
        'country_code',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        country_code,
        country as country_name,
        beta as is_beta,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
