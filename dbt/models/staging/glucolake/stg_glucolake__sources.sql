{%- set relation = source('glucolake', 'sources') -%}
{%- set columns = raw_columns(relation) -%}

with

source as (

    {{ raw_source(relation, columns) }}

),

renamed as (

    select
        {{ raw_column(columns, 'source_id', 'varchar') }} as source_id,
        {{ raw_column(columns, 'url', 'varchar') }} as site_url,
        {{ raw_column(columns, 'timezone', 'varchar') }} as timezone,
        {{ raw_column(columns, 'timezone_origin', 'varchar') }} as timezone_origin,
        {{ raw_column(columns, 'configured_timezone', 'varchar') }} as configured_timezone,
        {{ raw_column(columns, 'fetched_at', 'timestamptz') }} as recorded_at

    from source

),

final as (

    -- The latest record of each source is its current setting.
    select distinct on (source_id) *
    from renamed
    order by source_id, recorded_at desc

)

select * from final
