-- One row per fact that has live corrections: for each correctable field
-- whether it is corrected and to what (the latest live correction), whether
-- the fact is retracted, and which corrections apply.
with

live as (

    select * from {{ ref('int_corrections_live') }}

),

applied as (

    select
        fact_id,
        correction_id,
        correction_action,
        corrected_field,
        value_after
    from live
    where
        (correction_action = 'correct' and field_rank = 1)
        or correction_action = 'retract_fact'

),

final as (

    select
        fact_id,
        {% for field in correctable_fields() -%}
            coalesce(bool_or(corrected_field = '{{ field }}'), false)
                as {{ field }}_is_corrected,
            max(case when corrected_field = '{{ field }}' then value_after end)
                as {{ field }}_value,
        {% endfor -%}
        coalesce(bool_or(correction_action = 'retract_fact'), false) as is_retracted,
        coalesce(bool_or(correction_action = 'correct'), false) as is_corrected,
        {{ list_agg_sorted('corrected_field') }} as corrected_fields,
        {{ list_agg_sorted('correction_id') }} as correction_ids
    from applied
    group by fact_id

)

select * from final
