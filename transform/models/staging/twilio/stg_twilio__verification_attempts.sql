with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'verification_attempts'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as verification_attempt_sid,
        account_sid,
        service_sid as verify_service_sid,
        verification_sid,
        channel,
        conversion_status,
        channel_data ->> 'to' as to_address,
        channel_data ->> 'country' as country_code,
        channel_data ->> 'status' as verification_status,
        channel_data ->> 'message_status' as message_status,
        {{ to_money("price ->> 'value'") }} as price,
        upper(price ->> 'currency') as currency,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
