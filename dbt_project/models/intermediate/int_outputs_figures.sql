-- One row per figure of an output row: a measure and value (to the hundredth)
-- however many articles report it, and which figure of each measure the wide
-- mart row shows. Different values for one measure are never averaged: the
-- figure reported by most articles is chosen, ties go to the latest report,
-- then to the larger value; every value stays listed in mart_fact_conflicts.
-- Incremental: a build recomputes only the output rows (dedup keys) whose
-- facts changed (macros/touched_keys.sql).
{{
    config(
        materialized='incremental',
        unique_key='dedup_key',
        post_hook="{{ delete_vanished_keys('dedup_key', 'select dedup_key from ' ~ ref('int_outputs_keyed')) }}",
    )
}}

with

-- Read twice, never held whole (see touched_members in macros/touched_keys.sql).
all_keyed as not materialized (

    select * from {{ ref('int_outputs_keyed') }}

),

fingerprints as (

    {{ key_fingerprints('all_keyed', 'dedup_key', article_dates=true) }}

),

keyed as (

    {{ touched_members('all_keyed', 'dedup_key') }}

),

articles as (

    select * from {{ ref('stg_articles') }}

),

reported as (

    select
        keyed.*,
        articles.published_date
    from keyed
    left join articles on keyed.article_id = articles.article_id

),

ranked as (

    select
        *,
        {{ representative_rank('figure_key', ['qualifier']) }} as representative_rank
    from reported

),

aggregated as (

    select
        figure_key,
        count(*) as fact_count,
        count(distinct article_id) as article_count,
        max(published_date) as last_reported_date
    from reported
    group by figure_key

),

figures as (

    select
        ranked.dedup_key,
        ranked.output_key,
        ranked.figure_key,
        ranked.measure,
        ranked.value,
        ranked.qualifier,
        aggregated.fact_count,
        aggregated.article_count,
        aggregated.last_reported_date,
        ranked.fact_id as evidence_fact_id,
        ranked.article_id as evidence_article_id
    from ranked
    inner join aggregated on ranked.figure_key = aggregated.figure_key
    where ranked.representative_rank = 1

),

final as (

    select
        figures.*,
        row_number() over (
            partition by figures.dedup_key, figures.measure
            order by
                figures.article_count desc,
                figures.last_reported_date desc nulls last,
                figures.value desc,
                figures.figure_key asc
        ) = 1 as is_chosen,
        count(*) over (partition by figures.dedup_key, figures.measure) as value_count,
        fingerprints.member_fingerprint
    from figures
    inner join fingerprints on figures.dedup_key = fingerprints.dedup_key

)

select * from final
