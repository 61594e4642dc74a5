-- Incremental: raw.articles only grows (the loader inserts a new text once and
-- never updates it), so each build reads the articles parsed since the last.
{{
    config(
        materialized='incremental',
        unique_key='article_id',
    )
}}

with

source as (

    select * from {{ source('raw', 'articles') }}
    {{ incremental_batch(source('raw', 'articles'), 'parsed_at', 'article_id', 'article_id') }}

),

renamed as (

    select
        article_id,
        source_id,
        url,
        content_hash,
        nullif(trim(title), '') as title,
        cast(published_date as date) as published_date,
        text as article_text,
        cast(fetched_at as timestamp with time zone) as fetched_at,
        cast(parsed_at as timestamp with time zone) as parsed_at,
        parser_version
    from source

),

final as (

    select * from renamed

)

select * from final
