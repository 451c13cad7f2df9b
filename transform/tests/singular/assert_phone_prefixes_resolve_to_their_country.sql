-- Known numbers must resolve to their country: NANP area codes split +1 between the
-- United States and Canada, +7 between Russia and Kazakhstan, and a longer calling
-- code beats a shorter one (+353 Ireland, not +35). Returns the cases that do not.
with

expected as (
    select '+1212' as phone_prefix, 'US' as iso_country
    union all select '+1416', 'CA'
    union all select '+1604', 'CA'
    union all select '+1876', 'JM'
    union all select '+4474', 'GB'
    union all select '+3361', 'FR'
    union all select '+3538', 'IE'
    union all select '+7495', 'RU'
    union all select '+7701', 'KZ'
    union all select '+9198', 'IN'
)

select
    expected.phone_prefix,
    expected.iso_country as expected_country,
    countries.iso_country as actual_country
from expected
left join {{ ref('int_phone_prefix_countries') }} as countries
    on expected.phone_prefix = countries.phone_prefix
where countries.iso_country is null or countries.iso_country <> expected.iso_country
