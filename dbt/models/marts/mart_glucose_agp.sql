with

readings as not materialized (

    -- Read twice (each source's newest reading, then its last 14 days): inlined, so each read
    -- scans the table with its own filters instead of sharing a copy of all of it.
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
    where
        readings.date_ms > newest.newest_ms - 14 * 86400000
        -- Implied by the line above, but one constant for every source: the engine checks it
        -- in the scan (and can skip row groups whose dates all precede it) instead of probing
        -- the whole history into the join. The per-source bound above still decides.
        and readings.date_ms > (select min(newest_ms) from newest) - 14 * 86400000

),

bins as (

    -- The Ambulatory Glucose Profile: the last 14 days folded onto one local day in 15-minute
    -- bins, percentiles with linear interpolation (type 7).
    select
        source_id,
        local_quarter_hour,
        count(*) as n_readings,
        {{ percentiles('glucose_mg_dl', [0.05, 0.25, 0.5, 0.75, 0.95]) }} as quantiles

    from last_14_days
    group by source_id, local_quarter_hour

),

final as (

    select
        source_id,
        local_quarter_hour,
        local_quarter_hour * 15 as minutes_after_midnight,
        n_readings,
        quantiles[1] as p05,
        quantiles[2] as p25,
        quantiles[3] as p50,
        quantiles[4] as p75,
        quantiles[5] as p95

    from bins

)

select * from final
