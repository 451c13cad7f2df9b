-- One row per call leg, with the conversation it belongs to. A child leg (a <Dial>
-- forwarding an inbound call to an agent) is our side of its parent's conversation:
-- it takes the parent's customer, number and direction.

with

calls as (
    select * from {{ ref('stg_twilio__calls') }}
),

parents as (
    select
        call_sid,
        direction,
        from_address,
        to_address
    from calls
),

countries as (
    select * from {{ ref('int_phone_prefix_countries') }}
),

legs as (
    select
        calls.*,
        coalesce(calls.parent_call_sid, calls.call_sid) as root_call_sid,
        coalesce(parents.direction, calls.direction) as root_direction,
        coalesce(parents.from_address, calls.from_address) as root_from_address,
        coalesce(parents.to_address, calls.to_address) as root_to_address
    from calls
    left join parents
        on calls.parent_call_sid = parents.call_sid
),

enriched as (
    select
        legs.call_sid,
        legs.account_sid,
        legs.parent_call_sid,
        legs.root_call_sid,
        legs.parent_call_sid is not null as is_child_leg,
        legs.direction,
        legs.root_direction = 'inbound' as is_inbound,
        legs.status,
        legs.answered_by,
        {{ to_e164("case when legs.root_direction = 'inbound'
            then legs.root_from_address else legs.root_to_address end") }} as customer_phone,
        {{ to_e164("case when legs.root_direction = 'inbound'
            then legs.root_to_address else legs.root_from_address end") }} as our_phone,
        legs.phone_number_sid,
        legs.duration_seconds,
        -- Twilio bills voice per started minute
        cast(ceil(legs.duration_seconds / 60.0) as integer) as billed_minutes,
        legs.price is not null as is_priced,
        -- Twilio's price is negative for a charge: costs are positive amounts
        {{ to_money("-legs.price") }} as cost_amount,
        legs.currency,
        legs.created_at,
        legs.started_at,
        {{ to_local_time('legs.started_at', var('reporting_timezone')) }} as started_at_local,
        legs.ended_at,
        cast(legs.created_at as date) as call_date,
        {{ to_local_date('legs.created_at', var('reporting_timezone')) }} as call_date_local,
        legs.updated_at,
        legs.loaded_at
    from legs
),

with_country as (
    select
        enriched.*,
        countries.iso_country as customer_country
    from enriched
    left join countries
        on {{ phone_prefix('enriched.customer_phone') }} = countries.phone_prefix
)

select * from with_country
