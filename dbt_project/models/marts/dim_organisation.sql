-- One row per organisation (enterprise, government body, task force, ...)
-- that helps or pays in the facts, however many spellings name it.
with

organisation_facts as (

    select * from {{ ref('int_organisation_facts') }}

),

-- Spellings of one organisation may read as different kinds ("X Investment"
-- vs "X Investment Group Co., Ltd."): the most specific kind wins.
kind_ranked as (

    select
        organisation_code,
        canonical_name,
        organisation_kind,
        home_region_code,
        row_number() over (
            partition by organisation_code
            order by
                case organisation_kind
                    when 'central_soe' then 1
                    when 'government_body' then 2
                    when 'task_force' then 3
                    when 'university' then 4
                    when 'provincial_soe' then 5
                    when 'private_enterprise' then 6
                    else 7
                end asc,
                home_region_code asc
        ) as kind_rank
    from organisation_facts

),

activity as (

    select
        organisation_code,
        min(fact_year) as first_year,
        max(fact_year) as last_year,
        count(distinct article_id) as article_count,
        count(distinct organisation_name) as spelling_count,
        sum(case when fact_type = 'pairing' then 1 else 0 end) as pairing_fact_count,
        sum(case when fact_type = 'fund' then 1 else 0 end) as fund_fact_count
    from organisation_facts
    group by organisation_code

),

final as (

    select
        cast(activity.organisation_code as varchar) as organisation_code,
        cast(kind_ranked.canonical_name as varchar) as name,  -- noqa: RF04
        cast(kind_ranked.organisation_kind as varchar) as kind,
        cast(kind_ranked.home_region_code as varchar) as home_region_code,
        cast(activity.first_year as integer) as first_year,
        cast(activity.last_year as integer) as last_year,
        cast(activity.article_count as integer) as article_count,
        cast(activity.spelling_count as integer) as spelling_count,
        cast(activity.pairing_fact_count as integer) as pairing_fact_count,
        cast(activity.fund_fact_count as integer) as fund_fact_count
    from activity
    inner join kind_ranked
        on
            activity.organisation_code = kind_ranked.organisation_code
            and kind_ranked.kind_rank = 1

)

select * from final
