-- One row per fact naming an organisation: a pairing's helper or a fund's
-- payer that int_party_names identified as an organisation (not a division,
-- not even an ambiguous division name). dim_organisation merges them.
with

pairings as (

    select * from {{ ref('int_pairings_keyed') }}

),

funds as (

    select * from {{ ref('int_funds_keyed') }}

),

parties as (

    select * from {{ ref('int_party_names') }}

),

named_parties as (

    select
        'pairing' as fact_type,
        fact_id,
        article_id,
        fact_year,
        helper_name as organisation_name,
        {{ region_mention_key('helper_name', 'helper_code') }} as mention_key
    from pairings
    where helper_name is not null and dedup_key is not null
    union all
    select
        'fund' as fact_type,
        fact_id,
        article_id,
        fact_year,
        payer_name as organisation_name,
        {{ region_mention_key('payer_name') }} as mention_key
    from funds
    where payer_name is not null

),

final as (

    select
        named_parties.fact_type,
        named_parties.fact_id,
        named_parties.article_id,
        named_parties.fact_year,
        named_parties.organisation_name,
        parties.organisation_code,
        parties.party_name as canonical_name,
        parties.soe_name,
        parties.organisation_kind,
        parties.home_region_code
    from named_parties
    inner join parties on named_parties.mention_key = parties.mention_key
    where parties.party_kind = 'organisation'

)

select * from final
