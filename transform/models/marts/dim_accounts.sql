-- One row per Twilio account, its latest version (staging keeps only that), with the
-- currency it is billed in and how many numbers it owns.

with

accounts as (
    select * from {{ ref('stg_twilio__accounts') }}
),

-- the currency of the account's most recent usage record
billing_currencies as (
    select
        account_sid,
        currency,
        row_number() over (
            partition by account_sid
            order by usage_date desc
        ) as recency
    from {{ ref('stg_twilio__usage_records') }}
    where currency is not null
),

numbers as (
    select
        account_sid,
        count(*) as phone_numbers
    from {{ ref('stg_twilio__incoming_phone_numbers') }}
    group by account_sid
)

select
    accounts.account_sid,
    accounts.account_name,
    accounts.account_status,
    accounts.account_type,
    accounts.owner_account_sid,
    accounts.is_subaccount,
    billing_currencies.currency as billing_currency,
    coalesce(numbers.phone_numbers, 0) as phone_numbers,
    accounts.created_at,
    accounts.updated_at
from accounts
left join billing_currencies
    on
        accounts.account_sid = billing_currencies.account_sid
        and billing_currencies.recency = 1
left join numbers
    on accounts.account_sid = numbers.account_sid
