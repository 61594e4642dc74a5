-- Every pairing fact with the dedup key that merges it into one mart row
-- (pairing_key = md5 of the key): the evidence bridge and the conflict
-- check start from here, the deduplicated model groups it.
with

facts as (

    select * from {{ ref('int_facts_pairing') }}

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
        helper_mention.region_code as helper_region_code,
        helped_mention.region_code as helped_region_code,
        helper_party.party_kind as helper_kind,
        helper_party.party_code as helper_party_code,
        helper_party.party_name as helper_party_name,
        -- An organisation is one helper under all its spellings.
        coalesce(
            'org:' || helper_party.organisation_code,
            {{ mention_identity('helper_mention', 'facts.helper_name', default=none) }}
        ) as helper_identity,
        {{ mention_identity('helped_mention', 'facts.helped_name', default=none) }}
            as helped_identity
    from facts
    left join mentions as helper_mention
        on
            {{ region_mention_key('facts.helper_name', 'facts.helper_code') }}
            = helper_mention.mention_key
    left join parties as helper_party
        on
            {{ region_mention_key('facts.helper_name', 'facts.helper_code') }}
            = helper_party.mention_key
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
