-- One row per organisation (enterprise, government body, university, ...)
-- that helps or pays in the facts, however many spellings name it.
with

organisation_facts as (

    select * from {{ ref('int_organisation_facts') }}

),

-- The name shown: a central SOE's seed name, else the spelling most facts
-- use (then the longest, then the first alphabetically).
spellings as (

    select
        organisation_key,
        organisation_name,
        max(soe_name) as soe_name,
        count(*) as fact_count
    from organisation_facts
    group by organisation_key, organisation_name

),

display_names as (

    select
        organisation_key,
        coalesce(soe_name, organisation_name) as organisation_name,
        row_number() over (
            partition by organisation_key
            order by fact_count desc, length(organisation_name) desc, organisation_name asc
        ) as name_rank
    from spellings

),

-- Spellings of one organisation may read as different kinds ("X Investment"
-- vs "X Investment Group Co., Ltd."): the most specific kind wins.
kind_ranked as (

    select
        organisation_key,
        organisation_kind,
        home_region_code,
        row_number() over (
            partition by organisation_key
            order by
                case organisation_kind
                    when 'central_soe' then 1
                    when 'government_body' then 2
                    when 'university' then 3
                    when 'provincial_soe' then 4
                    when 'private_enterprise' then 5
                    else 6
                end asc,
                home_region_code asc
        ) as kind_rank
    from organisation_facts

),

activity as (

    select
        organisation_key,
        min(fact_year) as first_year,
        max(fact_year) as last_year,
        count(distinct article_id) as article_count,
        sum(case when fact_type = 'pairing' then 1 else 0 end) as pairing_fact_count,
        sum(case when fact_type = 'fund' then 1 else 0 end) as fund_fact_count
    from organisation_facts
    group by organisation_key

),

final as (

    select
        cast(activity.organisation_key as varchar) as organisation_key,
        cast(display_names.organisation_name as varchar) as name,  -- noqa: RF04
        cast(kind_ranked.organisation_kind as varchar) as kind,
        cast(kind_ranked.home_region_code as varchar) as home_region_code,
        cast(activity.first_year as integer) as first_year,
        cast(activity.last_year as integer) as last_year,
        cast(activity.article_count as integer) as article_count,
        cast(activity.pairing_fact_count as integer) as pairing_fact_count,
        cast(activity.fund_fact_count as integer) as fund_fact_count
    from activity
    inner join display_names
        on
            activity.organisation_key = display_names.organisation_key
            and display_names.name_rank = 1
    inner join kind_ranked
        on activity.organisation_key = kind_ranked.organisation_key and kind_ranked.kind_rank = 1

)

select * from final
