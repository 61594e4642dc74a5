-- Every output fact with the keys that place it: the figure it states
-- (measure and value of one place, product and year), the subject the figure
-- describes (that measure of that place, product and year) and the wide
-- mart_output_value row it lands in (output_key = md5 of dedup_key). The
-- evidence bridge, the conflict check and the deduplicated models start here.
with

facts as (

    select * from {{ ref('int_facts_output') }}

),

mentions as (

    select * from {{ ref('int_region_mentions_resolved') }}

),

resolved as (

    select
        facts.*,
        region_mention.region_code as resolved_region_code,
        {{ mention_identity('region_mention', 'facts.region_name') }} as region_identity,
        -- Product names are free text: compare them case- and spacing-insensitively.
        coalesce(
            trim(regexp_replace(lower(facts.product), '[^a-z0-9]+', ' ', 'g')), ''
        ) as product_key
    from facts
    left join mentions as region_mention
        on
            {{ region_mention_key('facts.region_name', 'facts.region_code') }}
            = region_mention.mention_key

),

keyed as (

    select
        *,
        -- Values to the hundredth: the extractor's unit conversions (hectares
        -- x 15, kg / 1,000) leave float noise that must not split a figure.
        'output|' || measure
        || '|' || cast(cast(round(value * 100) as bigint) as varchar)
        || '|' || region_identity
        || '|' || product_key
        || '|' || coalesce(cast(fact_year as varchar), '')
        || {{ period_key_suffix('fact_year_from') }} as figure_key,
        -- Same place, product and period: one value expected per measure. A
        -- cumulative figure is its own row, never a column of its last year's.
        -- Without a place or a year a fact names no comparable subject.
        case
            when region_identity <> '' and fact_year is not null
                then 'output|' || region_identity
                    || '|' || product_key
                    || '|' || cast(fact_year as varchar)
                    || {{ period_key_suffix('fact_year_from') }}
        end as row_subject_key,
        {{ period_kind('fact_year', 'fact_year_from') }} as period_kind
    from resolved

),

final as (

    select
        *,
        -- A placed, dated fact joins its (place, product, year) row; any other
        -- is its own row, merged only with reports of the same figure, so
        -- unrelated figures of unknown places are never taken for a conflict.
        coalesce(row_subject_key, figure_key) as dedup_key,
        {{ surrogate_key(['coalesce(row_subject_key, figure_key)']) }} as output_key,
        row_subject_key || '|' || measure as subject_key,
        cast(cast(value as decimal(20, 2)) as varchar) as reported_value,
        value as reported_sort_value
    from keyed

)

select * from final
