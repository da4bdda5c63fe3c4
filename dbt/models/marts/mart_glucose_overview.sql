with

days as (

    select * from {{ source('curated', 'dim_glucose_date') }}

),

latest as (

    -- The current reading of each source: its newest one.
    select
        source_id,
        glucose_mg_dl as current_glucose_mg_dl,
        direction as current_direction,
        rate_mg_dl_per_minute as current_rate_mg_dl_per_minute,
        reading_at as current_reading_at

    from (
        select
            *,
            row_number() over (partition by source_id order by date_ms desc) as recency
        from {{ source('curated', 'fact_glucose_readings') }}
    ) as ranked
    where recency = 1

),

rolling as (

    -- GMI over the 14 local days ending on each day, from the days' sums (a mean of readings,
    -- not a mean of daily means).
    select
        source_id,
        local_date,
        3.31 + 0.02392
            * sum(mean_glucose * n_readings) over last_14_days
            / sum(n_readings) over last_14_days as gmi_14d,
        sum(n_readings) over last_14_days as n_readings_14d

    from days
    window last_14_days as (
        partition by source_id
        order by local_date
        range between interval '13 days' preceding and current row
    )

),

final as (

    select
        ---------- ids
        days.source_id,
        days.local_date,

        ---------- the day
        days.n_readings,
        days.mean_glucose,
        days.cv_glucose,
        days.below_54,
        days.between_54_69,
        days.in_range_70_180,
        days.between_181_250,
        days.above_250,
        days.gmi,
        days.active_percent,
        days.total_insulin_units,
        days.total_carbs_grams,

        ---------- the 14 days ending that day
        rolling.gmi_14d,
        rolling.n_readings_14d,

        ---------- now
        latest.current_glucose_mg_dl,
        latest.current_direction,
        latest.current_rate_mg_dl_per_minute,
        latest.current_reading_at

    from days
    inner join rolling
        on days.source_id = rolling.source_id
        and days.local_date = rolling.local_date
    left join latest on days.source_id = latest.source_id

)

select * from final
