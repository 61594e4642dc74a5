-- Every staged exit fact as the marts use it: analysts' live corrections
-- applied (the latest of each field wins), retracted facts and the facts of
-- retracted articles left out (see ingestion/corrections). A corrected
-- period is staged again: a year_from equal to its year is one year.
-- A table, not a view: every intermediate model reads the facts from here, and
-- inlining the corrections into each of them makes the marts' plans explode.
{{ config(materialized='table') }}

with

facts as (

    select * from {{ ref('stg_facts_exit') }}

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
        {{ corrected_value('level', 'exit_level', 'varchar') }} as exit_level,
        facts.exited,
        facts.total,
        facts.remaining,
        facts.rate_pct,
        {{ corrected_value('region', 'region_name', 'varchar') }} as region_name,
        {{ corrected_code('region', 'region_code') }} as region_code,
        {{ corrected_value('year', 'fact_year', 'integer') }} as fact_year,
        {{
            staged_year_from(
                corrected_value('year_from', 'fact_year_from', 'integer'),
                corrected_value('year', 'fact_year', 'integer'),
            )
        }} as fact_year_from,
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
