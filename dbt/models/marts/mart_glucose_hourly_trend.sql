with

profiles as (

    select * from {{ ref('mart_glucose_daily_profiles') }}

),

last_7_days as (

    -- The seven local days ending on each source's newest reading's day, each reading on its
    -- local hour (the minute of the day is hour × 60 + minute).
    select
        source_id,
        local_date,
        cast(floor(local_minute_of_day / 60.0) as integer) as local_hour,
        days_before_newest,
        glucose_mg_dl

    from profiles
    where days_before_newest < 7

),

final as (

    -- The 7-day trend at the grain the dashboard draws it. The mean comes with its number of
    -- readings, so a chart pooling several sources weights each hour by its readings (an
    -- integer: Postgres sums it as a bigint, where a bigint's sum is a slower numeric).
    select
        ---------- ids
        source_id,
        local_date,
        local_hour,

        ---------- the hour
        {{ dbt.dateadd('hour', 'local_hour', 'cast(local_date as timestamp)') }} as local_hour_start,
        days_before_newest,
        cast(count(*) as integer) as n_readings,
        avg(glucose_mg_dl) as mean_glucose

    from last_7_days
    group by source_id, local_date, local_hour, days_before_newest

)

select * from final
