-- Subjects that articles report different values for: one row each, with
-- every value reported. The value marts keep one row per distinct value.
with

conflicts as (

    select * from {{ ref('int_fact_conflicts') }}

),

final as (

    select
        cast(conflict_key as varchar) as conflict_key,
        cast(fact_type as varchar) as fact_type,
        cast(mart_name as varchar) as mart_name,
        cast(subject_key as varchar) as subject,
        cast(measure as varchar) as measure,
        cast(region_code as varchar) as region_code,
        cast(region_name as varchar) as region_name,
        cast(payer_name as varchar) as payer_name,
        cast(product as varchar) as product,
        cast(exit_level as varchar) as level,
        cast(year as integer) as year,
        cast(year_from as integer) as year_from,
        cast(value_count as integer) as value_count,
        cast(values_reported as varchar) as values_reported,
        cast(mart_keys as varchar) as mart_keys,
        cast(fact_count as integer) as fact_count,
        cast(article_count as integer) as article_count,
        cast(article_ids as varchar) as article_ids,
        cast(is_conflict as boolean) as is_conflict
    from conflicts
    where is_conflict

)

select * from final
