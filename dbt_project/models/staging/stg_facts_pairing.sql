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

    select * from {{ source('raw', 'facts_pairing') }}
    {{ incremental_batch(source('raw', 'facts_pairing'), 'extracted_at', 'article_id', 'fact_id') }}

),

renamed as (

    select
        fact_id,
        article_id,
        nullif(trim(helper), '') as helper_name,
        nullif(trim(helped), '') as helped_name,
        nullif(lower(trim(mechanism)), '') as mechanism,
        cast(year as integer) as fact_year,
        {{ normalise_region_code('helper_code') }} as helper_code,
        {{ normalise_region_code('helped_code') }} as helped_code,
        {{ fact_provenance_columns() }}
    from source

),

final as (

    select * from renamed

)

select * from final
