{#- Staging models that several raw tables share: the streams are the same resource
    read at another grain (daily or monthly usage) or of another kind (local, mobile
    or toll-free numbers for sale). Each model calls one of these with its table. -#}

{#- Usage records: one row per account, category and period (a day or a calendar
    month), the latest version (as_of: Twilio keeps recomputing recent periods). -#}
{% macro stg_twilio_usage_records(table_name, period_start) -%}
with

source as (
    {{ latest_version(
        source_or_empty('twilio', table_name),
        'account_sid, category, start_date',
        'as_of desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        account_sid,
        category,
        start_date as {{ period_start }},
        end_date,
        description,
        "count" as usage_count,
        count_unit,
        "usage" as usage_amount,
        usage_unit,
        -- usage prices are already positive amounts billed
        {{ to_money('price') }} as price,
        upper(price_unit) as currency,
        as_of,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
{%- endmacro %}

{#- Numbers for sale of one type (Twilio's inventory, read through the main account):
    one row per country and number, as last read. -#}
{% macro stg_twilio_available_phone_numbers(table_name, number_type) -%}
with

source as (
    {{ latest_version(
        source_or_empty('twilio', table_name),
        'iso_country, phone_number',
        '_sdc_extracted_at desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        iso_country as country_code,
        phone_number,
        '{{ number_type }}' as number_type,
        friendly_name,
        locality,
        region,
        postal_code,
        rate_center,
        lata,
        latitude,
        longitude,
        address_requirements,
        beta as is_beta,
        {{ json_flag('capabilities', 'sms') }} as can_sms,
        {{ json_flag('capabilities', 'mms') }} as can_mms,
        {{ json_flag('capabilities', 'voice') }} as can_voice,
        {{ json_flag('capabilities', 'fax') }} as can_fax,
        _sdc_extracted_at as read_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
{%- endmacro %}
