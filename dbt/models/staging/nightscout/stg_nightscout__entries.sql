-- Written to the lake: raw is read once per build, and the tests and models after it read this
-- compact file instead of every raw partition again.
{{ config(materialized='external') }}

{%- set relation = build_source('nightscout', 'entries') -%}
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
        {{ raw_column(columns, 'type', 'varchar') }} as entry_type,
        {{ raw_column(columns, 'direction', 'varchar') }} as direction,
        {{ raw_column(columns, 'device', 'varchar') }} as device,

        ---------- numerics
        {{ raw_column(columns, 'sgv', 'double') }} as sgv_mg_dl,
        {{ raw_column(columns, 'mbg', 'double') }} as mbg_mg_dl,
        {{ raw_column(columns, 'trend', 'integer') }} as trend,
        {{ raw_column(columns, 'noise', 'integer') }} as noise,

        ---------- timestamps
        {{ raw_column(columns, 'date', 'double') }} as date_raw,
        {{ raw_column(columns, '_gl_fetched_at', 'timestamptz') }} as fetched_at

    from source

),

dated as (

    select
        *,
        -- Nightscout's `date` is epoch ms, sometimes fractional (Loop, Trio) and sometimes
        -- seconds (buggy uploaders). Seconds are unambiguous: no CGM reading predates 1973
        -- (1e11 ms), and a seconds value after 2000-01-01 is a plausible reading time. An ms
        -- value before 2000-01-01 (a device whose clock was reset) keeps its date_ms, so each
        -- such record stays its own identity, and is quarantined as invalid_date below.
        case
            when date_raw >= 1e11 then floor(date_raw)::bigint
            when date_raw >= 946684800 then floor(date_raw)::bigint * 1000
        end as date_ms,
        coalesce(date_raw < 1e11 and date_raw >= 946684800, false) as is_date_from_seconds,
        coalesce(date_raw <> floor(date_raw), false) as is_date_fractional

    from renamed

),

classified as (

    select
        *,
        case
            when entry_type is null or entry_type not in ('sgv', 'mbg', 'cal')
                then 'unknown_type'
            when date_ms is null or date_ms < 946684800000
                then 'invalid_date'
            when date_ms > epoch_ms(fetched_at)
                + {{ var('future_tolerance_minutes') }} * 60000
                then 'future_date'
            -- Null also for text that is no number (""); "NaN" casts to NaN, which DuckDB
            -- orders above every number, so it is caught as not finite.
            when entry_type = 'sgv'
                and (sgv_mg_dl is null or not isfinite(sgv_mg_dl) or sgv_mg_dl <= 0)
                then 'missing_glucose'
            when entry_type = 'mbg'
                and (mbg_mg_dl is null or not isfinite(mbg_mg_dl) or mbg_mg_dl <= 0)
                then 'missing_glucose'
            -- Dexcom error codes (1 sensor not active, 5 not calibrated, 9 absolute deviation…).
            when entry_type = 'sgv' and sgv_mg_dl < 39
                then 'sensor_error_code'
        end as quarantine_reason

    from dated

),

deduplicated as (

    -- One record per identity (source, date ms, type): the same reading uploaded twice (two
    -- uploaders, a re-upload) arrives under another _id. A trusted copy wins over a bad one,
    -- then the latest fetch.
    select
        *,
        count(*) over identity - 1 as duplicate_count,
        row_number() over (
            partition by source_id, date_ms, entry_type
            order by quarantine_reason is null desc, fetched_at desc, nightscout_id desc
        ) as identity_rank

    from classified
    window identity as (partition by source_id, date_ms, entry_type)

),

final as (

    select
        ---------- ids
        source_id,
        nightscout_id,
        batch_id,

        ---------- strings
        entry_type,
        direction,
        device,
        quarantine_reason,

        ---------- numerics
        sgv_mg_dl,
        mbg_mg_dl,
        trend,
        noise,
        duplicate_count,

        ---------- booleans
        quarantine_reason is null as is_trusted,
        coalesce(entry_type = 'sgv' and sgv_mg_dl = 39, false) as is_clamped_low,
        coalesce(entry_type = 'sgv' and sgv_mg_dl = 401, false) as is_clamped_high,
        is_date_from_seconds,
        is_date_fractional,

        ---------- timestamps
        date_raw,
        date_ms,
        fetched_at

    from deduplicated
    where identity_rank = 1

)

select * from final
