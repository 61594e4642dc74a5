-- Every output fact with the dedup key that merges it into one mart row
-- (output_key = md5 of the key): the evidence bridge and the conflict
-- check start from here, the deduplicated model groups it.
with

facts as (

    select * from {{ ref('stg_facts_output') }}

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
        'output|' || measure
        || '|' || cast(cast(round(value * 100) as bigint) as varchar)
        || '|' || region_identity
        || '|' || product_key
        || '|' || coalesce(cast(fact_year as varchar), '') as dedup_key
    from resolved

),

final as (

    select
        *,
        {{ surrogate_key(['dedup_key']) }} as output_key,
        -- Same measure, place, product and year: one value expected.
        case
            when region_identity <> '' and fact_year is not null
                then 'output|' || measure
                    || '|' || region_identity
                    || '|' || product_key
                    || '|' || cast(fact_year as varchar)
        end as subject_key,
        cast(cast(value as decimal(20, 2)) as varchar) as reported_value,
        value as reported_sort_value
    from keyed

)

select * from final
