-- Each distinct (name, code) a fact uses for a place or a payer, resolved to a
-- gazetteer division once, so every fact type resolves names the same way.
--
-- Order of trust: a code the extractor gave that exists in the gazetteer; else
-- the one division whose name or alias equals the mention (case-insensitive);
-- else the one whose normalised name does; else the one of those at the level
-- the mention names ("... County" -> county). Several candidates at every step
-- leave the mention unresolved: a wrong code is worse than none.
with

pairings as (

    select * from {{ ref('int_facts_pairing') }}

),

funds as (

    select * from {{ ref('int_facts_fund') }}

),

outputs as (

    select * from {{ ref('int_facts_output') }}

),

exits as (

    select * from {{ ref('int_facts_exit') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

region_names as (

    select * from {{ ref('int_region_names') }}

),

mention_rows as (

    select
        helper_name as mention_name,
        helper_code as given_code
    from pairings
    union
    select
        helped_name as mention_name,
        helped_code as given_code
    from pairings
    union
    select
        payer_name as mention_name,
        null as given_code
    from funds
    union
    select
        region_name as mention_name,
        region_code as given_code
    from funds
    union
    select
        region_name as mention_name,
        region_code as given_code
    from outputs
    union
    select
        region_name as mention_name,
        region_code as given_code
    from exits

),

mentions as (

    select
        {{ region_mention_key('mention_name', 'given_code') }} as mention_key,
        mention_name,
        given_code,
        {{ normalise_name('mention_name') }} as name_key,
        {{ region_match_key('mention_name') }} as match_key,
        lower(trim(mention_name)) as exact_key,
        case
            when
                lower(mention_name) like '%county%'
                or lower(mention_name) like '%district%'
                or lower(mention_name) like '%banner%'
                then 'county'
            when
                lower(mention_name) like '%prefecture%'
                or lower(mention_name) like '%league%'
                then 'prefecture'
            when lower(mention_name) like '%province%' then 'province'
        end as level_hint
    from mention_rows
    where mention_name is not null or given_code is not null

),

candidates as (

    select
        mentions.mention_key,
        count(distinct region_names.region_code) as candidate_count,
        count(
            distinct case
                when region_names.exact_key = mentions.exact_key
                    then region_names.region_code
            end
        ) as exact_count,
        max(
            case
                when region_names.exact_key = mentions.exact_key
                    then region_names.region_code
            end
        ) as exact_code,
        max(region_names.region_code) as any_code,
        count(
            distinct case
                when region_names.region_level = mentions.level_hint
                    then region_names.region_code
            end
        ) as level_count,
        max(
            case
                when region_names.region_level = mentions.level_hint
                    then region_names.region_code
            end
        ) as level_code
    from mentions
    inner join region_names on mentions.match_key = region_names.match_key
    group by mentions.mention_key

),

final as (

    select
        mentions.mention_key,
        mentions.mention_name,
        mentions.given_code,
        mentions.name_key,
        mentions.match_key,
        mentions.level_hint,
        coalesce(candidates.candidate_count, 0) as candidate_count,
        case
            when coded.region_code is not null then coded.region_code
            when candidates.exact_count = 1 then candidates.exact_code
            when candidates.candidate_count = 1 then candidates.any_code
            when candidates.level_count = 1 then candidates.level_code
        end as region_code,
        case
            when coded.region_code is not null then 'code'
            when candidates.exact_count = 1 then 'exact_name'
            when candidates.candidate_count = 1 then 'normalised_name'
            when candidates.level_count = 1 then 'normalised_name_and_level'
        end as resolution_method
    from mentions
    left join regions as coded on mentions.given_code = coded.region_code
    left join candidates on mentions.mention_key = candidates.mention_key

)

select * from final
