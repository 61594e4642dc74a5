-- Every exit fact with the dedup key that merges it into one mart row
-- (exit_key = md5 of the key): the evidence bridge and the conflict
-- check start from here, the deduplicated model groups it.
with

facts as (

    select * from {{ ref('int_facts_exit') }}

),

mentions as (

    select * from {{ ref('int_region_mentions_resolved') }}

),

resolved as (

    select
        facts.*,
        region_mention.region_code as resolved_region_code,
        {{ mention_identity('region_mention', 'facts.region_name') }} as region_identity
    from facts
    left join mentions as region_mention
        on
            {{ region_mention_key('facts.region_name', 'facts.region_code') }}
            = region_mention.mention_key

),

keyed as (

    select
        *,
        'exit|' || exit_level
        || '|' || region_identity
        || '|' || coalesce(cast(fact_year as varchar), '')
        || '|' || coalesce(cast(exited as varchar), '')
        || '|' || coalesce(cast(total as varchar), '')
        || '|' || coalesce(cast(remaining as varchar), '')
        || {{ period_key_suffix('fact_year_from') }} as dedup_key,
        {{ period_kind('fact_year', 'fact_year_from') }} as period_kind
    from resolved

),

final as (

    select
        *,
        {{ surrogate_key(['dedup_key']) }} as exit_key,
        -- Same level, place and period: the counts reported should agree.
        case
            when region_identity <> '' and fact_year is not null
                then 'exit|' || exit_level
                    || '|' || region_identity
                    || '|' || cast(fact_year as varchar)
                    || {{ period_key_suffix('fact_year_from') }}
        end as subject_key,
        'exited ' || coalesce(cast(exited as varchar), '-')
        || ' / total ' || coalesce(cast(total as varchar), '-')
        || ' / remaining ' || coalesce(cast(remaining as varchar), '-') as reported_value,
        cast(coalesce(exited, total, remaining) as double precision) as reported_sort_value
    from keyed

)

select * from final
