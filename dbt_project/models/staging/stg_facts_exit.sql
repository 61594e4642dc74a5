with

source as (

    select * from {{ source('raw', 'facts_exit') }}

),

renamed as (

    select
        fact_id,
        article_id,
        lower(trim(level)) as exit_level,
        cast(exited as integer) as exited,
        cast(total as integer) as total,
        cast(remaining as integer) as remaining,
        cast(rate_pct as double precision) as rate_pct,
        nullif(trim(region), '') as region_name,
        {{ normalise_region_code('region_code') }} as region_code,
        cast(year as integer) as fact_year,
        {{ fact_provenance_columns() }}
    from source

),

final as (

    select * from renamed

)

select * from final
