-- Country names for the ISO codes the marts carry: every country of a customer or of one
-- of our numbers, named from the country_calling_codes seed (one place for the names),
-- so the dashboard and the report can say "United Kingdom (GB)" without a lookup of
-- their own. No data, no countries: like every mart, it is empty before a load.

with

names as (
    select
        iso_country,
        min(country_name) as country_name
    from {{ ref('country_calling_codes') }}
    group by iso_country
),

customers as (
    select
        customer_country as iso_country,
        count(*) as customers
    from {{ ref('dim_customers') }}
    where customer_country is not null
    group by customer_country
),

numbers as (
    select
        iso_country,
        count(*) as phone_numbers
    from {{ ref('dim_phone_numbers') }}
    where iso_country is not null
    group by iso_country
),

countries as (
    select iso_country from customers
    union
    select iso_country from numbers
)

select
    countries.iso_country,
    coalesce(names.country_name, countries.iso_country) as country_name,
    coalesce(customers.customers, 0) as customers,
    coalesce(numbers.phone_numbers, 0) as phone_numbers
from countries
left join names on countries.iso_country = names.iso_country
left join customers on countries.iso_country = customers.iso_country
left join numbers on countries.iso_country = numbers.iso_country
