-- Country names for the ISO codes the marts carry (customer_country, our numbers'
-- countries), from the country_calling_codes seed: one place for the names, so the
-- dashboard and the report can say "United Kingdom (GB)" without a lookup of their own.

select
    iso_country,
    min(country_name) as country_name,
    count(*) as calling_prefixes
from {{ ref('country_calling_codes') }}
group by iso_country
