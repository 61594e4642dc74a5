-- The corrections and retractions in force: every one not undone (undos
-- themselves left out). field_rank = 1 marks the latest correction of each
-- field of a fact, the one that wins.
with

corrections as (

    select * from {{ ref('stg_corrections') }}

),

undone as (

    select distinct undoes_correction_id as correction_id
    from corrections
    where correction_action = 'undo'

),

live as (

    select corrections.*
    from corrections
    left join undone on corrections.correction_id = undone.correction_id
    where corrections.correction_action <> 'undo' and undone.correction_id is null

),

final as (

    select
        *,
        case
            when correction_action = 'correct'
                then row_number() over (
                        partition by correction_action, fact_id, corrected_field
                        order by recorded_at desc, correction_id desc
                    )
        end as field_rank
    from live

)

select * from final
