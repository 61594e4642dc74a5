-- Analysts' corrections and retractions, one row each, as recorded (append-only).
with

source as (

    select * from {{ source('raw', 'corrections') }}

),

renamed as (

    select
        correction_id,
        lower(trim(action)) as correction_action,
        fact_id,
        lower(trim(fact_type)) as fact_type,
        article_id,
        lower(trim(field)) as corrected_field,
        value_before,
        value_after,
        undoes as undoes_correction_id,
        corrected_by,
        reason,
        cast(recorded_at as timestamp with time zone) as recorded_at
    from source

),

final as (

    select * from renamed

)

select * from final
