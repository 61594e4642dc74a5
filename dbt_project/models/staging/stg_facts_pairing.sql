with

source as (

    select * from {{ source('raw', 'facts_pairing') }}

),

renamed as (

    select
        fact_id,
        article_id,
        nullif(trim(helper), '') as helper_name,
        nullif(trim(helped), '') as helped_name,
        nullif(lower(trim(mechanism)), '') as mechanism,
        cast(year as integer) as fact_year,
        {{ normalise_region_code('helper_code') }} as helper_code,
        {{ normalise_region_code('helped_code') }} as helped_code,
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
