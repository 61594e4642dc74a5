with

source as (

    select * from {{ source('raw', 'fetch_log') }}

),

renamed as (

    select
        attempt_id,
        source_id,
        url,
        cast(fetched_at as timestamp with time zone) as fetched_at,
        lower(trim(payload_kind)) as payload_kind,
        cast(status as integer) as http_status,
        content_hash,
        cast(size_bytes as bigint) as size_bytes,
        content_type,
        error as error_message
    from source

),

final as (

    select
        *,
        -- A payload was landed iff it has a hash; the status alone is null for local files.
        content_hash is not null and error_message is null as is_success
    from renamed

)

select * from final
