-- Every pairing fact with the dedup key that merges it into one mart row
-- (pairing_key = md5 of the key): the evidence bridge and the conflict
-- check start from here, the deduplicated model groups it.
with

facts as (

    select * from {{ ref('stg_facts_pairing') }}

),

mentions as (

    select * from {{ ref('int_region_mentions_resolved') }}

),

resolved as (

    select
        facts.*,
        helper_mention.region_code as helper_region_code,
        helped_mention.region_code as helped_region_code,
        {{ mention_identity('helper_mention', 'facts.helper_name', default=none) }}
            as helper_identity,
        {{ mention_identity('helped_mention', 'facts.helped_name', default=none) }}
            as helped_identity
    from facts
    left join mentions as helper_mention
        on
            {{ region_mention_key('facts.helper_name', 'facts.helper_code') }}
            = helper_mention.mention_key
    left join mentions as helped_mention
        on
            {{ region_mention_key('facts.helped_name', 'facts.helped_code') }}
            = helped_mention.mention_key

),

keyed as (

    select
        *,
        'pairing|' || helper_identity || '|' || helped_identity as dedup_key
    from resolved

),

final as (

    select
        *,
        {{ surrogate_key(['dedup_key']) }} as pairing_key
    from keyed

)

select * from final
