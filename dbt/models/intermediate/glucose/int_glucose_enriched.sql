with

entries as (

    select * from {{ ref('stg_nightscout__entries') }}

),

sources as (

    select * from {{ ref('stg_glucolake__sources') }}

),

readings as (

    select
        source_id,
        date_ms,
        sgv_mg_dl as glucose_mg_dl,
        direction,
        trend,
        device,
        is_clamped_low,
        is_clamped_high,
        fetched_at

    from entries
    where entry_type = 'sgv' and is_trusted

),

localized as (

    -- The instant in UTC, then the wall clock of the source's IANA zone: DST-correct, so a
    -- reading at 02:30 on a spring-forward night does not exist and one at 02:30 on a fall-back
    -- night happens twice, exactly as the patient lived it.
    select
        readings.*,
        sources.timezone,
        timezone('UTC', epoch_ms(readings.date_ms)) as reading_at,
        {{ local_timestamp(
            'sources.timezone',
            "timezone('UTC', epoch_ms(readings.date_ms))",
            ref('stg_glucolake__sources'),
        ) }} as reading_at_local

    from readings
    inner join sources on readings.source_id = sources.source_id

),

sequenced as (

    select
        *,
        lag(date_ms) over by_source as previous_date_ms,
        lag(glucose_mg_dl) over by_source as previous_glucose_mg_dl

    from localized
    window by_source as (partition by source_id order by date_ms)

),

final as (

    select
        ---------- ids
        source_id,
        date_ms,

        ---------- strings
        timezone,
        direction,
        device,
        -- The five ranges of the International Consensus on Time in Range (Battelino 2019).
        case
            when glucose_mg_dl < 54 then 'very_low'
            when glucose_mg_dl < 70 then 'low'
            when glucose_mg_dl <= 180 then 'in_range'
            when glucose_mg_dl <= 250 then 'high'
            else 'very_high'
        end as glucose_range,

        ---------- numerics
        glucose_mg_dl,
        trend,
        (date_ms - previous_date_ms) / 60000.0 as minutes_since_previous,
        case
            when date_ms - previous_date_ms <= {{ var('max_rate_gap_minutes') }} * 60000
                then (glucose_mg_dl - previous_glucose_mg_dl)
                    / ((date_ms - previous_date_ms) / 60000.0)
        end as rate_mg_dl_per_minute,
        hour(reading_at_local) as local_hour,
        isodow(reading_at_local) as local_iso_weekday,
        hour(reading_at_local) * 4 + minute(reading_at_local) // 15 as local_quarter_hour,
        hour(reading_at_local) * 60 + minute(reading_at_local) as local_minute_of_day,

        ---------- booleans
        is_clamped_low,
        is_clamped_high,
        coalesce(
            date_ms - previous_date_ms > {{ var('max_rate_gap_minutes') }} * 60000, false
        ) as is_after_gap,
        previous_date_ms is null as is_first_reading,

        ---------- timestamps
        reading_at,
        reading_at_local,
        reading_at_local::date as local_date,
        fetched_at

    from sequenced

)

select * from final
-- An incremental build read a day more than it rebuilds: that day only dates the first reading.
where {{ in_scope('source_id', 'local_date') }}
