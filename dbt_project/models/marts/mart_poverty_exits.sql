with

exits as (

    select * from {{ ref('int_exits_deduplicated') }}

),

final as (

    select
        cast(exit_key as varchar) as exit_key,
        cast(region_name as varchar) as region_name,
        cast(region_code as varchar) as region_code,
        cast(exit_level as varchar) as level,
        cast(year as integer) as year,
        cast(year_from as integer) as year_from,
        cast(period_kind as varchar) as period_kind,
        cast(exited as integer) as exited,
        cast(total as integer) as total,
        cast(remaining as integer) as remaining,
        cast(rate_pct as double precision) as rate_pct,
        cast(article_count as integer) as article_count,
        cast(article_ids as varchar) as article_ids,
        cast(first_reported_date as date) as first_reported_date,
        cast(last_reported_date as date) as last_reported_date,
        cast(evidence as varchar) as evidence
    from exits

)

select * from final
