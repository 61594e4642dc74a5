-- Who a helper or payer name stands for: one row per distinct (name, code)
-- a pairing's helper or a fund's payer uses. A name that resolves to a
-- division is that region ("Jiangsu provincial government" -> Jiangsu);
-- a name that matches no division at all is an organisation, identified by
-- its curated alias or its normalised name, so every spelling of one payer
-- or helper gets one party_code; a name that matches several divisions
-- ("Hotan") is an unresolved place (party_kind region, no code).
with

pairings as (

    select * from {{ ref('int_facts_pairing') }}

),

funds as (

    select * from {{ ref('int_facts_fund') }}

),

mentions as (

    select * from {{ ref('int_region_mentions_resolved') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

region_names as (

    select * from {{ ref('int_region_names') }}

),

central_soes as (

    select * from {{ ref('central_soes') }}

),

organisation_aliases as (

    select * from {{ ref('organisation_aliases') }}

),

curated_organisations as (

    select * from {{ ref('curated_organisations') }}

),

party_mentions as (

    select
        {{ region_mention_key('helper_name', 'helper_code') }} as mention_key,
        helper_name as mention_name
    from pairings
    where helper_name is not null
    union all
    select
        {{ region_mention_key('payer_name') }} as mention_key,
        payer_name as mention_name
    from funds
    where payer_name is not null

),

-- How many facts use each spelling: the display name of an organisation is
-- its most used spelling.
mention_counts as (

    select
        mention_key,
        mention_name,
        count(*) as fact_count
    from party_mentions
    group by mention_key, mention_name

),

resolved as (

    select
        mention_counts.mention_key,
        mention_counts.mention_name,
        mention_counts.fact_count,
        mentions.region_code,
        coalesce(mentions.candidate_count, 0) as candidate_count
    from mention_counts
    left join mentions on mention_counts.mention_key = mentions.mention_key

),

organisation_names as (

    select
        mention_name,
        {{ organisation_name_key('mention_name') }} as name_key,
        {{ organisation_padded_words('mention_name') }} as padded_words
    from resolved
    where region_code is null and candidate_count = 0
    group by mention_name

),

-- Curated aliases a rule cannot know ("Three Gorges Group" is China Three
-- Gorges), matched on the same normalisation as the names.
aliases as (

    select
        {{ organisation_name_key('alias') }} as alias_key,
        max(name) as canonical_name
    from organisation_aliases
    group by {{ organisation_name_key('alias') }}

),

named as (

    select
        organisation_names.mention_name,
        organisation_names.padded_words,
        coalesce(
            {{ organisation_name_key('aliases.canonical_name') }},
            organisation_names.name_key
        ) as name_key,
        aliases.canonical_name
    from organisation_names
    left join aliases on organisation_names.name_key = aliases.alias_key

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
        {{ organisation_name_key('name') }} as soe_key
    from central_soes
    union
    select
        soe_name,
        {{ organisation_name_key('alias_name') }} as soe_key
    from soe_aliases

),

-- A central SOE is named by its name or an alias, alone or followed by more
-- words ("China Mobile Communications Group Co., Ltd."); the longest wins.
soe_matches as (

    select
        named.mention_name,
        soe_names.soe_name,
        row_number() over (
            partition by named.mention_name
            order by length(soe_names.soe_key) desc, soe_names.soe_name asc
        ) as match_rank
    from named
    inner join soe_names
        on
            named.name_key = soe_names.soe_key
            or named.name_key like soe_names.soe_key || ' %'

),

-- The province or prefecture a name starts with ("Sichuan Energy Investment").
home_matches as (

    select
        named.mention_name,
        region_names.region_code,
        row_number() over (
            partition by named.mention_name
            order by
                length(region_names.match_key) desc,
                case when region_names.region_level = 'province' then 0 else 1 end asc,
                region_names.region_code asc
        ) as match_rank
    from named
    inner join region_names
        on
            region_names.region_level in ('province', 'prefecture')
            and named.name_key like region_names.match_key || ' %'

),

-- A curated kind and home (curated_organisations seed): owners no name shape
-- tells ("Shudao Investment Group" is a Sichuan provincial SOE). Its name
-- alone or followed by more words; the longest wins.
curated_matches as (

    select
        named.mention_name,
        curated_organisations.kind,
        curated_organisations.home_region_code,
        row_number() over (
            partition by named.mention_name
            order by
                length({{ organisation_name_key('curated_organisations.name') }}) desc,
                curated_organisations.name asc
        ) as match_rank
    from named
    inner join curated_organisations
        on
            named.name_key = {{ organisation_name_key('curated_organisations.name') }}
            or named.name_key
            like {{ organisation_name_key('curated_organisations.name') }} || ' %'

),

classified as (

    select
        named.mention_name,
        soe_matches.soe_name,
        -- A central SOE's identity is its seed name, whatever alias named it.
        coalesce({{ organisation_name_key('soe_matches.soe_name') }}, named.name_key)
            as identity_key,
        coalesce(soe_matches.soe_name, named.canonical_name) as curated_name,
        case
            when soe_matches.soe_name is null
                then coalesce(curated_matches.home_region_code, home_matches.region_code)
        end as home_region_code,
        case
            when soe_matches.soe_name is not null then 'central_soe'
            when curated_matches.kind is not null then curated_matches.kind
            when {{ has_any_word('named.padded_words', task_force_words()) }}
                then 'task_force'
            when {{ has_any_word('named.padded_words', government_words()) }}
                then 'government_body'
            when {{ has_any_word('named.padded_words', university_words()) }}
                then 'university'
            when
                home_matches.region_code is not null
                and {{ has_any_word('named.padded_words', provincial_soe_words()) }}
                then 'provincial_soe'
            when {{ has_any_word('named.padded_words', company_words()) }}
                then 'private_enterprise'
            else 'other'
        end as organisation_kind
    from named
    left join soe_matches
        on named.mention_name = soe_matches.mention_name and soe_matches.match_rank = 1
    left join home_matches
        on named.mention_name = home_matches.mention_name and home_matches.match_rank = 1
    left join curated_matches
        on named.mention_name = curated_matches.mention_name and curated_matches.match_rank = 1

),

organisations as (

    select
        resolved.mention_key,
        resolved.fact_count,
        {{ organisation_code("coalesce(classified.identity_key, lower(resolved.mention_name))") }}
            as organisation_code,
        classified.curated_name,
        resolved.mention_name,
        classified.soe_name,
        classified.organisation_kind,
        classified.home_region_code
    from resolved
    inner join classified on resolved.mention_name = classified.mention_name
    -- Classified by name, but only the mentions that named no division: the
    -- same name given with a division code ("Hong Kong", 810000000000) is
    -- that region, never an organisation with a region's code.
    where resolved.region_code is null and resolved.candidate_count = 0

),

-- One display name per organisation: the curated name, else the spelling
-- most facts use (then the longest, then the first alphabetically).
organisation_display as (

    select
        organisation_code,
        coalesce(curated_name, mention_name) as organisation_name,
        row_number() over (
            partition by organisation_code
            order by
                case when curated_name is null then 1 else 0 end asc,
                fact_count desc,
                length(mention_name) desc,
                mention_name asc
        ) as name_rank
    from organisations

),

final as (

    select
        resolved.mention_key,
        resolved.mention_name,
        case when organisations.organisation_code is null then 'region' else 'organisation' end
            as party_kind,
        coalesce(resolved.region_code, organisations.organisation_code) as party_code,
        coalesce(
            region.name_en, organisation_display.organisation_name, resolved.mention_name
        ) as party_name,
        organisations.organisation_code,
        organisations.soe_name,
        organisations.organisation_kind,
        organisations.home_region_code
    from resolved
    left join regions as region on resolved.region_code = region.region_code
    left join organisations on resolved.mention_key = organisations.mention_key
    left join organisation_display
        on
            organisations.organisation_code = organisation_display.organisation_code
            and organisation_display.name_rank = 1

)

select * from final
