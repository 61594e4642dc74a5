-- Where every published number comes from: one row per extracted fact behind
-- a row of mart_pairings, mart_funds, mart_output_value or mart_poverty_exits,
-- with its sentence, offsets and article. A mart row merged from three
-- articles has three rows here; is_representative marks the fact whose
-- sentence the mart row shows (for a wide mart_output_value row: one per
-- measure, the fact stating the value its column shows). Facts show the
-- analysts' corrections applied to them (is_corrected, corrected_fields,
-- correction_ids); retracted facts are in no mart, so not here either.
-- Incremental: the largest mart (one row per fact) was rewritten whole by every
-- build; a build now writes only the rows whose content differs from the row
-- stored under their key, and a post-hook deletes the keys no fact has any more
-- (macros/fact_evidence.sql).
{{
    config(
        materialized='incremental',
        unique_key='evidence_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_vanished_keys('evidence_key', fact_evidence_keys()) }}",
    )
}}

with

pairings as (

    select * from {{ ref('int_pairings_keyed') }}

),

funds as (

    select * from {{ ref('int_funds_keyed') }}

),

outputs as (

    select * from {{ ref('int_outputs_keyed') }}

),

exits as (

    select * from {{ ref('int_exits_keyed') }}

),

articles as (

    select * from {{ ref('stg_articles') }}

),

merged_pairings as (

    select * from {{ ref('int_pairings_deduplicated') }}

),

merged_funds as (

    select * from {{ ref('int_funds_deduplicated') }}

),

output_figures as (

    select * from {{ ref('int_outputs_figures') }}

),

merged_exits as (

    select * from {{ ref('int_exits_deduplicated') }}

),

facts as (

    select
        'mart_pairings' as mart_name,
        pairings.pairing_key as mart_key,
        cast(null as varchar) as measure,
        pairings.fact_id,
        pairings.article_id,
        pairings.evidence,
        pairings.start_char,
        pairings.end_char,
        pairings.extractor_version,
        pairings.confidence,
        pairings.is_corrected,
        pairings.corrected_fields,
        pairings.correction_ids,
        merged_pairings.evidence_fact_id is not null as is_representative
    from pairings
    left join merged_pairings
        on
            pairings.pairing_key = merged_pairings.pairing_key
            and pairings.fact_id = merged_pairings.evidence_fact_id
    where pairings.dedup_key is not null
    union all
    select
        'mart_funds' as mart_name,
        funds.fund_key as mart_key,
        cast(null as varchar) as measure,
        funds.fact_id,
        funds.article_id,
        funds.evidence,
        funds.start_char,
        funds.end_char,
        funds.extractor_version,
        funds.confidence,
        funds.is_corrected,
        funds.corrected_fields,
        funds.correction_ids,
        merged_funds.evidence_fact_id is not null as is_representative
    from funds
    left join merged_funds
        on
            funds.fund_key = merged_funds.fund_key
            and funds.fact_id = merged_funds.evidence_fact_id
    where funds.dedup_key is not null
    union all
    select
        'mart_output_value' as mart_name,
        outputs.output_key as mart_key,
        outputs.measure,
        outputs.fact_id,
        outputs.article_id,
        outputs.evidence,
        outputs.start_char,
        outputs.end_char,
        outputs.extractor_version,
        outputs.confidence,
        outputs.is_corrected,
        outputs.corrected_fields,
        outputs.correction_ids,
        output_figure.evidence_fact_id is not null as is_representative
    from outputs
    left join output_figures as output_figure
        on
            outputs.figure_key = output_figure.figure_key
            and outputs.fact_id = output_figure.evidence_fact_id
            and output_figure.is_chosen
    union all
    select
        'mart_poverty_exits' as mart_name,
        exits.exit_key as mart_key,
        cast(null as varchar) as measure,
        exits.fact_id,
        exits.article_id,
        exits.evidence,
        exits.start_char,
        exits.end_char,
        exits.extractor_version,
        exits.confidence,
        exits.is_corrected,
        exits.corrected_fields,
        exits.correction_ids,
        merged_exits.evidence_fact_id is not null as is_representative
    from exits
    left join merged_exits
        on
            exits.exit_key = merged_exits.exit_key
            and exits.fact_id = merged_exits.evidence_fact_id
    where exits.dedup_key is not null

),

final as (

    select
        cast({{ surrogate_key(['facts.mart_name', 'facts.fact_id']) }} as varchar) as evidence_key,
        cast(facts.mart_name as varchar) as mart_name,
        cast(facts.mart_key as varchar) as mart_key,
        cast(facts.measure as varchar) as measure,
        cast(facts.fact_id as varchar) as fact_id,
        cast(facts.article_id as varchar) as article_id,
        cast(facts.evidence as varchar) as evidence,
        cast(facts.start_char as integer) as start_char,
        cast(facts.end_char as integer) as end_char,
        cast(facts.is_representative as boolean) as is_representative,
        cast(facts.extractor_version as varchar) as extractor_version,
        cast(facts.confidence as double precision) as confidence,
        cast(articles.url as varchar) as url,
        cast(articles.title as varchar) as title,
        cast(articles.published_date as date) as published_date,
        cast(facts.is_corrected as boolean) as is_corrected,
        cast(facts.corrected_fields as varchar) as corrected_fields,
        cast(facts.correction_ids as varchar) as correction_ids
    from facts
    left join articles on facts.article_id = articles.article_id

),

written as (

    {{ rows_not_stored('final') }}

)

select * from written
