-- What assisted places produce, one row per (place, product, period) with each
-- measure in its own column, in the unit the column names.
{%- set measures = output_measure_columns() %}
with

outputs as (

    select * from {{ ref('int_outputs_deduplicated') }}

),

final as (

    select
        cast(output_key as varchar) as output_key,
        cast(region_name as varchar) as region_name,
        cast(region_code as varchar) as region_code,
        cast(product as varchar) as product,
        cast(year as integer) as year,
        cast(year_from as integer) as year_from,
        cast(period_kind as varchar) as period_kind,
        {%- for m in measures %}
            cast({{ m.column }} as double precision) as {{ m.column }},
            cast({{ m.measure }}_qualifier as varchar) as {{ m.measure }}_qualifier,
        {%- endfor %}
        cast(has_conflicting_values as boolean) as has_conflicting_values,
        cast(conflicting_measures as varchar) as conflicting_measures,
        cast(article_count as integer) as article_count,
        cast(article_ids as varchar) as article_ids,
        cast(first_reported_date as date) as first_reported_date,
        cast(last_reported_date as date) as last_reported_date
    from outputs

)

select * from final
