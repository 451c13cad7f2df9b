-- The country of any E.164 number from its first five characters ('+' and four
-- digits): every such key gets the longest calling_prefix of the seed that starts
-- it ('+1416...' is Canada, '+1212...' the United States, '+33...' France). Facts
-- then find a number's country with one equality join on phone_prefix().

{{ config(materialized='table') }}

with

calling_codes as (
    select
        calling_prefix,
        iso_country,
        country_name
    from {{ ref('country_calling_codes') }}
),

digits as (
    select digit
    from (
        values ('0'), ('1'), ('2'), ('3'), ('4'), ('5'), ('6'), ('7'), ('8'), ('9')
    ) as digit_values (digit)
),

prefixes as (
    select '+' || d1.digit || d2.digit || d3.digit || d4.digit as phone_prefix
    from digits as d1
    cross join digits as d2
    cross join digits as d3
    cross join digits as d4
),

-- a calling code is 1 to 4 characters after the '+': the key's own first 2 to 5
candidates as (
    select
        prefixes.phone_prefix,
        substr(prefixes.phone_prefix, 1, lengths.prefix_length) as calling_prefix
    from prefixes
    cross join (values (2), (3), (4), (5)) as lengths (prefix_length)
),

matches as (
    select
        candidates.phone_prefix,
        calling_codes.iso_country,
        calling_codes.country_name,
        row_number() over (
            partition by candidates.phone_prefix
            order by length(calling_codes.calling_prefix) desc
        ) as match_rank
    from candidates
    inner join calling_codes
        on candidates.calling_prefix = calling_codes.calling_prefix
)

select
    phone_prefix,
    iso_country,
    country_name
from matches
where match_rank = 1
