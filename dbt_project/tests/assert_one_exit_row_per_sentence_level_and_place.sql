-- One statement, one exit row: a sentence gives at most one row of
-- mart_poverty_exits per level and place. "With the last eight counties
-- exiting in November 2020, all 54 ..." read as two county rows (8 and 54)
-- makes the county exits of 2020 add up twice; as one row (the last eight,
-- none remaining) it cannot. Returns each sentence that breaks it.
with

exits as (

    select * from {{ ref('mart_poverty_exits') }}

),

evidence as (

    select * from {{ ref('mart_fact_evidence') }}
    where mart_name = 'mart_poverty_exits'

),

rows_per_sentence as (

    select
        evidence.article_id,
        evidence.evidence,
        exits.level,
        coalesce(exits.region_code, exits.region_name, '') as place,
        count(distinct exits.exit_key) as exit_rows,
        string_agg(distinct exits.exit_key, ',') as exit_keys
    from evidence
    inner join exits on evidence.mart_key = exits.exit_key
    group by
        evidence.article_id,
        evidence.evidence,
        exits.level,
        coalesce(exits.region_code, exits.region_name, '')

)

select * from rows_per_sentence
where exit_rows > 1
