-- Incremental, keyed on the article: a batch replaces all facts of each article
-- (re-)extracted since the last build (see macros/incremental_batch.sql).
{{
    config(
        materialized='incremental',
        unique_key='article_id',
        post_hook="{{ delete_superseded_facts() }}",
    )
}}

with

source as (

    select * from {{ source('raw', 'facts_fund') }}
    {{ incremental_batch(source('raw', 'facts_fund'), 'extracted_at', 'article_id', 'fact_id') }}

),

renamed as (

    select
        fact_id,
        article_id,
        cast(amount_cny as double precision) as amount_cny,
        nullif(lower(trim(qualifier)), '') as qualifier,
        nullif(lower(trim(measure)), '') as measure,
        nullif(trim(payer), '') as payer_name,
        nullif(trim(region), '') as region_name,
        {{ normalise_region_code('region_code') }} as region_code,
        cast(year as integer) as fact_year,
        {{ staged_year_from('year_from', 'year') }} as fact_year_from,
        {{ fact_provenance_columns() }}
    from source

),

final as (

    select * from renamed

)

select * from final
