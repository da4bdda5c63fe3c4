with

readings as (

    select * from {{ source('curated', 'fact_glucose_readings') }}

),

newest as (

    select
        source_id,
        max(date_ms) as newest_ms

    from readings
    group by source_id

),

last_14_days as (

    select readings.*
    from readings
    inner join newest on readings.source_id = newest.source_id
    where readings.date_ms > newest.newest_ms - 14 * 86400000

),

final as (

    -- The Ambulatory Glucose Profile: the last 14 days folded onto one local day in 15-minute
    -- bins, percentiles with linear interpolation (type 7).
    select
        source_id,
        local_quarter_hour,
        local_quarter_hour * 15 as minutes_after_midnight,
        count(*) as n_readings,
        {{ percentile('glucose_mg_dl', 0.05) }} as p05,
        {{ percentile('glucose_mg_dl', 0.25) }} as p25,
        {{ percentile('glucose_mg_dl', 0.5) }} as p50,
        {{ percentile('glucose_mg_dl', 0.75) }} as p75,
        {{ percentile('glucose_mg_dl', 0.95) }} as p95

    from last_14_days
    group by source_id, local_quarter_hour

)

select * from final
