-- One row per fact naming an organisation: a pairing's helper or a fund's
-- payer that is not an administrative division. A name that matches a
-- division at all (even ambiguously, like "Hotan") is a place, not an
-- organisation. Each name gets the organisation it stands for and a kind
-- read from its shape; dim_organisation merges them.
with

pairings as (

    select * from {{ ref('int_pairings_keyed') }}

),

funds as (

    select * from {{ ref('int_funds_keyed') }}

),

mentions as (

    select * from {{ ref('int_region_mentions_resolved') }}

),

region_names as (

    select * from {{ ref('int_region_names') }}

),

central_soes as (

    select * from {{ ref('central_soes') }}

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
    where helper_name is not null and helper_region_code is null and dedup_key is not null
    union all
    select
        'fund' as fact_type,
        fact_id,
        article_id,
        fact_year,
        payer_name as organisation_name,
        {{ region_mention_key('payer_name') }} as mention_key
    from funds
    where payer_name is not null and payer_region_code is null

),

organisation_facts as (

    select named_parties.*
    from named_parties
    inner join mentions on named_parties.mention_key = mentions.mention_key
    where mentions.candidate_count = 0

),

names as (

    select
        organisation_name,
        {{ normalise_name('organisation_name') }} as name_key,
        {{ organisation_padded_words('organisation_name') }} as padded_words
    from organisation_facts
    group by organisation_name

),

soe_aliases as (

    select
        name as soe_name,
        {{ split_to_rows('aliases', ';') }} as alias_name
    from central_soes
    where aliases is not null

),

soe_names as (

    select
        name as soe_name,  -- noqa: RF04
        {{ normalise_name('name') }} as soe_key
    from central_soes
    union
    select
        soe_name,
        {{ normalise_name('alias_name') }} as soe_key
    from soe_aliases

),

-- A central SOE is named by its name or an alias, alone or followed by more
-- words ("China Mobile Communications Group Co., Ltd."); the longest wins.
soe_matches as (

    select
        names.organisation_name,
        soe_names.soe_name,
        row_number() over (
            partition by names.organisation_name
            order by length(soe_names.soe_key) desc, soe_names.soe_name asc
        ) as match_rank
    from names
    inner join soe_names
        on
            names.name_key = soe_names.soe_key
            or names.name_key like soe_names.soe_key || ' %'

),

-- The province or prefecture a name starts with ("Sichuan Energy Investment").
home_matches as (

    select
        names.organisation_name,
        region_names.region_code,
        row_number() over (
            partition by names.organisation_name
            order by
                length(region_names.match_key) desc,
                case when region_names.region_level = 'province' then 0 else 1 end asc,
                region_names.region_code asc
        ) as match_rank
    from names
    inner join region_names
        on
            region_names.region_level in ('province', 'prefecture')
            and names.name_key like region_names.match_key || ' %'

),

classified as (

    select
        names.organisation_name,
        names.name_key,
        soe_matches.soe_name,
        case when soe_matches.soe_name is null then home_matches.region_code end
            as home_region_code,
        case
            when soe_matches.soe_name is not null then 'central_soe'
            when {{ has_any_word('names.padded_words', government_words()) }}
                then 'government_body'
            when {{ has_any_word('names.padded_words', university_words()) }}
                then 'university'
            when
                home_matches.region_code is not null
                and {{ has_any_word('names.padded_words', provincial_soe_words()) }}
                then 'provincial_soe'
            when {{ has_any_word('names.padded_words', company_words()) }}
                then 'private_enterprise'
            else 'other'
        end as organisation_kind
    from names
    left join soe_matches
        on names.organisation_name = soe_matches.organisation_name and soe_matches.match_rank = 1
    left join home_matches
        on names.organisation_name = home_matches.organisation_name and home_matches.match_rank = 1

),

final as (

    select
        organisation_facts.fact_type,
        organisation_facts.fact_id,
        organisation_facts.article_id,
        organisation_facts.fact_year,
        organisation_facts.organisation_name,
        {{ surrogate_key([
            "coalesce('soe:' || classified.soe_name, 'name:' || classified.name_key, "
            ~ "'raw:' || lower(organisation_facts.organisation_name))"
        ]) }} as organisation_key,
        classified.soe_name,
        classified.organisation_kind,
        classified.home_region_code
    from organisation_facts
    inner join classified on organisation_facts.organisation_name = classified.organisation_name

)

select * from final
