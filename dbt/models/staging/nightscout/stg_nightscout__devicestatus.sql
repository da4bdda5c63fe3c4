-- Written to the lake: raw is read once per build, and the tests and models after it read this
-- compact file instead of every raw partition again.
{{ config(materialized='external') }}

{%- set relation = build_source('nightscout', 'devicestatus') -%}
{%- set columns = raw_columns(relation) -%}
{%- set json_fallback = raw_needs_json(relation, columns) -%}

with

source as (

    {{ raw_source(relation, columns) }}

),

renamed as (

    select
        ---------- ids
        {{ raw_column(columns, '_gl_source_id', 'varchar') }} as source_id,
        {{ raw_column(columns, '_id', 'varchar') }} as nightscout_id,

        ---------- strings
        {{ raw_column(columns, 'device', 'varchar') }} as device,

        ---------- numerics (nested: Loop and OpenAPS keep them in different places)
        {% if columns -%}
        {{ nested_number(columns, ['loop.iob.iob', 'openaps.iob.iob'], json_fallback) }} as insulin_on_board_units,
        {{ nested_number(columns, ['loop.cob.cob', 'openaps.suggested.COB'], json_fallback) }} as carbs_on_board_grams,
        {{ nested_number(columns, ['uploader.battery'], json_fallback) }} as uploader_battery_percent,
        {{ nested_number(columns, ['pump.reservoir'], json_fallback) }} as pump_reservoir_units,
        {%- else -%}
        cast(null as double) as insulin_on_board_units,
        cast(null as double) as carbs_on_board_grams,
        cast(null as double) as uploader_battery_percent,
        cast(null as double) as pump_reservoir_units,
        {%- endif %}

        ---------- timestamps
        {{ raw_column(columns, 'created_at', 'timestamptz') }} as created_at,
        {{ raw_column(columns, '_gl_fetched_at', 'timestamptz') }} as fetched_at

    from source

),

last_fetches as (

    select
        source_id,
        nightscout_id,
        max(fetched_at) as fetched_at

    from renamed
    where created_at is not null
    group by source_id, nightscout_id

),

final as (

    -- One row per document: one the site changed since it was first fetched is taken as last
    -- fetched. The raw zone never holds a document twice (ingest and compaction keep each
    -- once), so the last fetch is one row; should it not be, the uniqueness test fails the
    -- build. A semi join on an aggregate: `distinct on … order by` sorts a cohort's year whole
    -- (2x slower), and a window over it ran out of its memory budget.
    select renamed.*
    from renamed
    semi join last_fetches
        on renamed.source_id = last_fetches.source_id
        and renamed.nightscout_id = last_fetches.nightscout_id
        and renamed.fetched_at = last_fetches.fetched_at

)

select * from final
