-- Every staged pairing fact as the marts use it: analysts' live corrections
-- applied (the latest of each field wins), retracted facts and the facts of
-- retracted articles left out (see ingestion/corrections). A pairing's
-- helper is corrected as its payer, the helped place as its region.
-- A table, not a view: every intermediate model reads the facts from here, and
-- inlining the corrections into each of them makes the marts' plans explode.
{{ config(materialized='table') }}

with

facts as (

    select * from {{ ref('stg_facts_pairing') }}

),

corrections as (

    select * from {{ ref('int_fact_corrections') }}

),

retracted_articles as (

    select * from {{ ref('int_retracted_articles') }}

),

corrected as (

    select
        facts.fact_id,
        facts.article_id,
        {{ corrected_value('payer', 'helper_name', 'varchar') }} as helper_name,
        {{ corrected_value('region', 'helped_name', 'varchar') }} as helped_name,
        facts.mechanism,
        {{ corrected_value('year', 'fact_year', 'integer') }} as fact_year,
        {{ corrected_code('payer', 'helper_code') }} as helper_code,
        {{ corrected_code('region', 'helped_code') }} as helped_code,
        facts.evidence,
        facts.start_char,
        facts.end_char,
        facts.extractor_version,
        facts.confidence,
        facts.extracted_at,
        {{ correction_columns() }}
    from facts
    {{ correction_joins() }}
    where {{ not_retracted() }}

),

final as (

    select * from corrected

)

select * from final
