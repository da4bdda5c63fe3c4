{#- Dashboards filter on recent days (the current-glucose and 7-day charts): an index in Postgres. -#}
{{ config(indexes=[{'columns': ['days_before_newest']}] if target.type == 'postgres' else []) }}

with

readings as not materialized (

    -- Read twice (each source's newest reading, then its last 14 days): inlined, so each read
    -- scans the table with its own filters instead of sharing a copy of all of it.
    select * from {{ source('curated', 'fact_glucose_readings') }}

),

newest as (

    select
        source_id,
        max(date_ms) as newest_ms,
        max(local_date) as newest_local_date

    from readings
    group by source_id

),

final as (

    -- Each reading of the last 14 days, placed on its local day and minute: the daily
    -- profiles of the AGP report, one small chart per day.
    select
        readings.source_id,
        readings.local_date,
        readings.local_minute_of_day,
        readings.glucose_mg_dl,
        readings.glucose_range,
        newest.newest_local_date - readings.local_date as days_before_newest

    from readings
    inner join newest on readings.source_id = newest.source_id
    where
        readings.date_ms > newest.newest_ms - 14 * 86400000
        -- Implied by the line above, but one constant for every source: the engine checks it
        -- in the scan (and can skip row groups whose dates all precede it) instead of probing
        -- the whole history into the join. The per-source bound above still decides.
        and readings.date_ms > (select min(newest_ms) from newest) - 14 * 86400000

)

select * from final
