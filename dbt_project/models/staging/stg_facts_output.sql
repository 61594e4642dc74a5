with

source as (

    select * from {{ source('raw', 'facts_output') }}

),

renamed as (

    select
        fact_id,
        article_id,
        lower(trim(measure)) as measure,
        cast(value as double precision) as value,
        nullif(lower(trim(qualifier)), '') as qualifier,
        nullif(trim(product), '') as product,
        nullif(trim(region), '') as region_name,
        {{ normalise_region_code('region_code') }} as region_code,
        cast(year as integer) as fact_year,
        evidence,
        cast(start_char as integer) as start_char,
        cast(end_char as integer) as end_char,
        extractor_version,
        cast(confidence as double precision) as confidence,
        cast(extracted_at as timestamp with time zone) as extracted_at
    from source

),

final as (

    select * from renamed

)

select * from final
