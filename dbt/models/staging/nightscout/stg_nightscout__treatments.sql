-- Written to the lake: the quality gate validates it in its own step.
{{ config(materialized='external') }}

{%- set relation = build_source('nightscout', 'treatments') -%}
{%- set columns = raw_columns(relation) -%}

with

source as (

    {{ raw_source(relation, columns) }}

),

renamed as (

    select
        ---------- ids
        {{ raw_column(columns, '_gl_source_id', 'varchar') }} as source_id,
        {{ raw_column(columns, '_id', 'varchar') }} as nightscout_id,
        {{ raw_column(columns, '_gl_batch_id', 'varchar') }} as batch_id,

        ---------- strings
        {{ raw_column(columns, 'eventType', 'varchar') }} as event_type,
        {{ raw_column(columns, 'enteredBy', 'varchar') }} as entered_by,
        {{ raw_column(columns, 'glucoseType', 'varchar') }} as glucose_type,
        {{ raw_column(columns, 'units', 'varchar') }} as glucose_units,
        {{ raw_column(columns, 'notes', 'varchar') }} as notes,

        ---------- numerics
        {{ raw_column(columns, 'insulin', 'double') }} as insulin_units,
        {{ raw_column(columns, 'carbs', 'double') }} as carbs_grams,
        {{ raw_column(columns, 'glucose', 'double') }} as glucose_value,
        {{ raw_column(columns, 'duration', 'double') }} as duration_minutes,
        {{ raw_column(columns, 'absolute', 'double') }} as basal_rate_units_per_hour,
        {{ raw_column(columns, 'percent', 'double') }} as basal_percent_change,

        ---------- booleans
        -- AAPS and API v3 delete softly (isValid false); v1 still serves such documents.
        coalesce({{ raw_column(columns, 'isValid', 'boolean') }} = false, false) as is_deleted,

        ---------- timestamps
        {{ raw_column(columns, 'created_at', 'timestamptz') }} as created_at,
        {{ raw_column(columns, '_gl_fetched_at', 'timestamptz') }} as fetched_at

    from source

),

deduplicated as (

    -- Nightscout's own upsert key for v1 treatments is (created_at, eventType): two uploaders
    -- syncing the same bolus create two documents that are one event.
    select
        *,
        row_number() over (
            partition by source_id, created_at, event_type
            order by is_deleted asc, fetched_at desc, nightscout_id desc
        ) as identity_rank

    from renamed
    where created_at is not null

),

final as (

    select
        source_id,
        nightscout_id,
        batch_id,
        event_type,
        entered_by,
        glucose_type,
        glucose_units,
        notes,
        insulin_units,
        carbs_grams,
        glucose_value,
        duration_minutes,
        basal_rate_units_per_hour,
        basal_percent_change,
        is_deleted,
        created_at,
        fetched_at

    from deduplicated
    where identity_rank = 1

)

select * from final
