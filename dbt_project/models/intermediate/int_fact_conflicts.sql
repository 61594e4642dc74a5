-- Every subject several facts report a value for, and whether they disagree.
-- A subject is what one number should describe: a fund of one payer to one
-- place over one period under one measure; an output measure of one product
-- of one place over one period; the exits at one level of one place over one
-- period. A period is a year, or the first and last year of a cumulative
-- figure: a 2016-2020 total and a 2020 amount are two subjects, not a conflict.
-- Different values are never averaged: each fund or exit value stays a row of
-- its mart, an output row shows one chosen value and a flag, and the subject
-- lists them all, so an analyst sees the disagreement.
-- Incremental: a build recomputes only the subjects whose facts changed
-- (macros/touched_keys.sql); the post-hook drops subjects no fact names now.
{{
    config(
        materialized='incremental',
        unique_key='subject_key',
        post_hook="{{ delete_vanished_keys('subject_key', conflict_subject_keys()) }}",
    )
}}

with

funds as (

    select * from {{ ref('int_funds_keyed') }}

),

outputs as (

    select * from {{ ref('int_outputs_keyed') }}

),

exits as (

    select * from {{ ref('int_exits_keyed') }}

),

regions as (

    select * from {{ ref('stg_gazetteer_regions') }}

),

-- A fund's subject: the same payer, place, period and measure (see the macro).
fund_subjects as (

    select
        funds.*,
        {{ fund_subject_key('funds') }} as subject_key
    from funds

),

-- Read twice, never held whole (see touched_members in macros/touched_keys.sql).
all_subject_facts as not materialized (

    select
        'fund' as fact_type,
        'mart_funds' as mart_name,
        subject_key,
        fund_key as mart_key,
        fact_id,
        article_id,
        measure,
        resolved_region_code as region_code,
        region_name,
        payer_name,
        cast(null as varchar) as product,
        cast(null as varchar) as exit_level,
        fact_year,
        fact_year_from,
        reported_value,
        reported_sort_value
    from fund_subjects
    where subject_key is not null and dedup_key is not null
    union all
    select
        'output' as fact_type,
        'mart_output_value' as mart_name,
        subject_key,
        output_key as mart_key,
        fact_id,
        article_id,
        measure,
        resolved_region_code as region_code,
        region_name,
        cast(null as varchar) as payer_name,
        product,
        cast(null as varchar) as exit_level,
        fact_year,
        fact_year_from,
        reported_value,
        reported_sort_value
    from outputs
    where subject_key is not null and dedup_key is not null
    union all
    select
        'exit' as fact_type,
        'mart_poverty_exits' as mart_name,
        subject_key,
        exit_key as mart_key,
        fact_id,
        article_id,
        cast(null as varchar) as measure,
        resolved_region_code as region_code,
        region_name,
        cast(null as varchar) as payer_name,
        cast(null as varchar) as product,
        exit_level,
        fact_year,
        fact_year_from,
        reported_value,
        reported_sort_value
    from exits
    where subject_key is not null and dedup_key is not null

),

fingerprints as (

    {{ key_fingerprints('all_subject_facts', 'subject_key', [ref('stg_gazetteer_regions')]) }}

),

subject_facts as (

    {{ touched_members('all_subject_facts', 'subject_key') }}

),

-- Each distinct value once, so the list can be sorted numerically.
subject_values as (

    select
        subject_key,
        reported_value,
        min(reported_sort_value) as reported_sort_value
    from subject_facts
    group by subject_key, reported_value

),

value_lists as (

    select
        subject_key,
        count(*) as value_count,
        {{ list_agg_sorted(
            'reported_value', '; ', order_by='reported_sort_value, reported_value'
        ) }}
            as values_reported
    from subject_values
    group by subject_key

),

subjects as (

    select
        subject_key,
        min(fact_type) as fact_type,
        min(mart_name) as mart_name,
        min(measure) as measure,
        min(region_code) as region_code,
        min(region_name) as region_name,
        min(payer_name) as payer_name,
        min(product) as product,
        min(exit_level) as exit_level,
        min(fact_year) as year,
        min(fact_year_from) as year_from,
        count(*) as fact_count,
        count(distinct article_id) as article_count,
        {{ list_agg_sorted('article_id', distinct=true) }} as article_ids,
        {{ list_agg_sorted('mart_key', distinct=true) }} as mart_keys
    from subject_facts
    group by subject_key

),

final as (

    select
        {{ surrogate_key(['subjects.subject_key']) }} as conflict_key,
        subjects.subject_key,
        subjects.fact_type,
        subjects.mart_name,
        subjects.measure,
        subjects.region_code,
        coalesce(regions.name_en, subjects.region_name) as region_name,
        subjects.payer_name,
        subjects.product,
        subjects.exit_level,
        subjects.year,
        subjects.year_from,
        value_lists.value_count,
        value_lists.values_reported,
        subjects.fact_count,
        subjects.article_count,
        subjects.article_ids,
        subjects.mart_keys,
        value_lists.value_count > 1 as is_conflict,
        fingerprints.member_fingerprint
    from subjects
    inner join value_lists on subjects.subject_key = value_lists.subject_key
    inner join fingerprints on subjects.subject_key = fingerprints.subject_key
    left join regions on subjects.region_code = regions.region_code

)

select * from final
