{%- set relation = build_source('nightscout', 'profile') -%}
{%- set columns = raw_columns(relation) -%}

with

source as (

    {{ raw_source(relation, columns) }}

),

renamed as (

    select
        {{ raw_column(columns, '_gl_source_id', 'varchar') }} as source_id,
        {{ raw_column(columns, '_id', 'varchar') }} as nightscout_id,
        {{ raw_column(columns, 'defaultProfile', 'varchar') }} as default_profile_name,
        {% if columns -%}
        -- The time zone and units of the default profile in the profile's store.
        try_cast(json_extract(_gl_document, '$.store') as map(varchar, json))["defaultProfile"]
            ->> 'timezone' as timezone,
        coalesce(
            try_cast(json_extract(_gl_document, '$.store') as map(varchar, json))["defaultProfile"]
                ->> 'units',
            json_extract_string(_gl_document, '$.units')
        ) as units,
        {%- else -%}
        cast(null as varchar) as timezone,
        cast(null as varchar) as units,
        {%- endif %}
        {{ raw_column(columns, 'startDate', 'timestamptz') }} as starts_at,
        {{ raw_column(columns, '_gl_fetched_at', 'timestamptz') }} as fetched_at

    from source

),

final as (

    select distinct on (source_id, nightscout_id) *
    from renamed
    order by source_id, nightscout_id, fetched_at desc

)

select * from final
