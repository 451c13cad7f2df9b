with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'accounts'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as account_sid,
        owner_account_sid,
        friendly_name as account_name,
        status as account_status,
        type as account_type,
        sid <> owner_account_sid as is_subaccount,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
