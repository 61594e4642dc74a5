-- Articles retracted by an analyst: none of their facts reaches a mart. The
-- article and its landed payload stay; undoing the retraction brings them back.
with

live as (

    select * from {{ ref('int_corrections_live') }}

),

final as (

    select
        article_id,
        min(correction_id) as correction_id
    from live
    where correction_action = 'retract_article'
    group by article_id

)

select * from final
