with

funds as (

    select * from {{ ref('int_funds_deduplicated') }}

),

final as (

    select
        cast(fund_key as varchar) as fund_key,
        cast(payer_kind as varchar) as payer_kind,
        cast(payer_code as varchar) as payer_code,
        cast(payer_name as varchar) as payer_name,
        cast(region_name as varchar) as region_name,
        cast(region_code as varchar) as region_code,
        cast(year as integer) as year,
        cast(year_from as integer) as year_from,
        cast(period_kind as varchar) as period_kind,
        cast(measure as varchar) as measure,
        cast(qualifier as varchar) as qualifier,
        cast(amount_cny as double precision) as amount_cny,
        cast(article_count as integer) as article_count,
        cast(article_ids as varchar) as article_ids,
        cast(first_reported_date as date) as first_reported_date,
        cast(last_reported_date as date) as last_reported_date,
        cast(evidence as varchar) as evidence
    from funds

)

select * from final
