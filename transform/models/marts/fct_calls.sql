with

calls as (
    select * from {{ ref('stg_twilio__calls') }}
),

parents as (
    select call_sid, direction, from_address, to_address
    from calls
),

enriched as (
    select
        calls.call_sid,
        calls.account_sid,
        calls.parent_call_sid,
        calls.parent_call_sid is not null as is_child_leg,
        calls.direction,
        calls.status,
        calls.answered_by,
        -- a child leg (a <Dial> to an agent) belongs to its parent's customer
        {{ to_e164("case
            when coalesce(parents.direction, calls.direction) = 'inbound'
                then coalesce(parents.from_address, calls.from_address)
            else coalesce(parents.to_address, calls.to_address)
        end") }} as customer_phone,
        calls.duration_seconds,
        cast(ceil(calls.duration_seconds / 60.0) as integer) as billed_minutes,
        calls.price is not null as is_priced,
        -calls.price as cost_amount,
        calls.currency,
        calls.started_at,
        calls.ended_at,
        calls.created_at,
        calls.updated_at
    from calls
    left join parents
        on calls.parent_call_sid = parents.call_sid
)

select * from enriched
