with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'trunks'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as trunk_sid,
        account_sid,
        friendly_name as trunk_name,
        domain_name,
        secure as is_secure,
        cnam_lookup_enabled as is_cnam_lookup_enabled,
        symmetric_rtp_enabled as is_symmetric_rtp_enabled,
        transfer_mode,
        transfer_caller_id,
        disaster_recovery_url,
        disaster_recovery_method,
        auth_type,
        recording ->> 'mode' as recording_mode,
        recording ->> 'trim' as recording_trim,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
