-- Known numbers must resolve to their country: NANP area codes split +1 between the
-- United States and Canada, +7 between Russia and Kazakhstan, and a longer calling
-- code beats a shorter one (+353 Ireland, not +35). Returns the cases that do not.
with

expected as (
    select
        phone_prefix,
        iso_country
    from (
        values
        ('+1212', 'US'),
        ('+1416', 'CA'),
        ('+1604', 'CA'),
        ('+1876', 'JM'),
        ('+4474', 'GB'),
        ('+3361', 'FR'),
        ('+3538', 'IE'),
        ('+7495', 'RU'),
        ('+7701', 'KZ'),
        ('+9198', 'IN')
    ) as cases (phone_prefix, iso_country)
)

select
    expected.phone_prefix,
    expected.iso_country as expected_country,
    countries.iso_country as actual_country
from expected
left join {{ ref('int_phone_prefix_countries') }} as countries
    on expected.phone_prefix = countries.phone_prefix
where countries.iso_country is null or countries.iso_country <> expected.iso_country
