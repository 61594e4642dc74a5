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

    select * from {{ source('raw', 'facts_exit') }}
    {{ incremental_batch(source('raw', 'facts_exit'), 'extracted_at', 'article_id', 'fact_id') }}

),

renamed as (

    select
        fact_id,
        article_id,
        lower(trim(level)) as exit_level,
        cast(exited as integer) as exited,
        cast(total as integer) as total,
        cast(remaining as integer) as remaining,
        cast(rate_pct as double precision) as rate_pct,
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
