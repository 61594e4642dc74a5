with

pairings as (

    select * from {{ ref('int_pairings_deduplicated') }}

),

final as (

    select
        cast(pairing_key as varchar) as pairing_key,
        cast(helper_name as varchar) as helper_name,
        cast(helper_kind as varchar) as helper_kind,
        cast(helper_code as varchar) as helper_code,
        cast(helped_name as varchar) as helped_name,
        cast(helped_code as varchar) as helped_code,
        cast(mechanism as varchar) as mechanism,
        cast(first_year as integer) as first_year,
        cast(last_year as integer) as last_year,
        cast(article_count as integer) as article_count,
        cast(article_ids as varchar) as article_ids,
        cast(first_reported_date as date) as first_reported_date,
        cast(last_reported_date as date) as last_reported_date,
        cast(evidence as varchar) as evidence
    from pairings

)

select * from final
