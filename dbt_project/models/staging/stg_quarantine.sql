with

source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        quarantine_id,
        lower(trim(stage)) as pipeline_stage,
        source_id,
        reference,
        reason,
        payload,
        cast(recorded_at as timestamp with time zone) as recorded_at
    from source

),

final as (

    select * from renamed

)

select * from final
