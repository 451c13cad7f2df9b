with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'addresses'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as address_sid,
        account_sid,
        friendly_name as address_name,
        customer_name,
        street,
        street_secondary,
        city,
        region,
        postal_code,
        iso_country as country_code,
        emergency_enabled as is_emergency_enabled,
        validated as is_validated,
        verified as is_verified,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
