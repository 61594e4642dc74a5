-- Every fund fact with the dedup key that merges it into one mart row
-- (fund_key = md5 of the key): the evidence bridge and the conflict
-- check start from here, the deduplicated model groups it. The key holds the
-- period: a cumulative 2016-2020 amount and an annual 2020 amount of one pair
-- are different figures, never merged (see macros/periods.sql).
with

facts as (

    select * from {{ ref('int_facts_fund') }}

),

mentions as (

    select * from {{ ref('int_region_mentions_resolved') }}

),

parties as (

    select * from {{ ref('int_party_names') }}

),

resolved as (

    select
        facts.*,
        region_mention.region_code as resolved_region_code,
        payer_mention.region_code as payer_region_code,
        payer_party.party_kind as payer_kind,
        payer_party.party_code as payer_party_code,
        payer_party.party_name as payer_party_name,
        {{ mention_identity('region_mention', 'facts.region_name') }} as region_identity,
        -- An organisation pays under one identity whatever the spelling, so
        -- two spellings of one fund merge instead of counting twice.
        coalesce(
            'org:' || payer_party.organisation_code,
            {{ mention_identity('payer_mention', 'facts.payer_name') }}
        ) as payer_identity
    from facts
    left join mentions as region_mention
        on
            {{ region_mention_key('facts.region_name', 'facts.region_code') }}
            = region_mention.mention_key
    left join mentions as payer_mention
        on {{ region_mention_key('facts.payer_name') }} = payer_mention.mention_key
    left join parties as payer_party
        on {{ region_mention_key('facts.payer_name') }} = payer_party.mention_key

),

keyed as (

    select
        *,
        'fund|' || cast(cast(round(amount_cny) as bigint) as varchar)
        || '|' || region_identity
        || '|' || coalesce(cast(fact_year as varchar), '')
        || '|' || payer_identity
        || {{ period_key_suffix('fact_year_from') }} as dedup_key,
        {{ period_kind('fact_year', 'fact_year_from') }} as period_kind
    from resolved

),

final as (

    select
        *,
        {{ surrogate_key(['dedup_key']) }} as fund_key,
        cast(cast(round(amount_cny) as bigint) as varchar) as reported_value,
        amount_cny as reported_sort_value
    from keyed

)

select * from final
