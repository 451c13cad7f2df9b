with

source as (
    {{ latest_version(
        source_or_empty('twilio', 'flows'),
        'sid',
        'date_updated desc, _sdc_batched_at desc'
    ) }}
),

renamed as (
    select
        sid as flow_sid,
        account_sid,
        friendly_name as flow_name,
        status,
        revision,
        valid as is_valid,
        commit_message,
        author_sid,
        webhook_url,
        definition as definition_json,
        errors as errors_json,
        warnings as warnings_json,
        date_created as created_at,
        date_updated as updated_at,
        _sdc_batched_at as loaded_at
    from source
)

select * from renamed
