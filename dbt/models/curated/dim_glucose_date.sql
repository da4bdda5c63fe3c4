with

readings as (

    select * from {{ ref('int_glucose_enriched') }}

),

sources as (

    select * from {{ ref('stg_glucolake__sources') }}

),

treatments as (

    select
        source_id,
        local_date,
        sum(insulin_units) as total_insulin_units,
        sum(carbs_grams) as total_carbs_grams

    from {{ ref('fact_treatments') }}
    group by source_id, local_date

),

daily as (

    select
        source_id,
        local_date,
        count(*) as n_readings,
        avg(glucose_mg_dl) as mean_glucose,
        stddev_samp(glucose_mg_dl) as sd_glucose,
        min(glucose_mg_dl) as min_glucose,
        max(glucose_mg_dl) as max_glucose,
        100.0 * count(*) filter (where glucose_mg_dl < 54) / count(*) as below_54,
        100.0 * count(*) filter (where glucose_mg_dl < 70) / count(*) as below_70,
        100.0 * count(*) filter (where glucose_mg_dl between 70 and 180) / count(*) as in_range_70_180,
        100.0 * count(*) filter (where glucose_mg_dl > 180) / count(*) as above_180,
        100.0 * count(*) filter (where glucose_mg_dl > 250) / count(*) as above_250,
        -- The sensor's sampling interval that day (5 min for Dexcom, 1 min for some Libre
        -- setups): the median gap between readings of one sensor session, rounded to whole
        -- minutes as iglu does. Gaps longer than a session's (sensor off, warm-up) would make a
        -- sparse day look fully active; a day without two such readings gets the usual CGM
        -- interval. Taken per day, not over the source's history: a day's figure then never
        -- changes when later days come, or when the source moves to another kind of sensor.
        greatest(1, coalesce(
            round(median(minutes_since_previous) filter (
                where minutes_since_previous > 0
                and minutes_since_previous <= {{ var('max_rate_gap_minutes') }}
            )),
            {{ var('default_sampling_minutes') }}
        )) as sampling_minutes

    from readings
    group by source_id, local_date

),

final as (

    select
        ---------- ids
        daily.source_id,
        daily.local_date,

        ---------- counts
        daily.n_readings,

        ---------- glucose (mg/dL)
        daily.mean_glucose,
        daily.sd_glucose,
        100.0 * daily.sd_glucose / daily.mean_glucose as cv_glucose,
        daily.min_glucose,
        daily.max_glucose,

        ---------- consensus ranges (% of readings)
        daily.below_54,
        daily.below_70 - daily.below_54 as between_54_69,
        daily.below_70,
        daily.in_range_70_180,
        daily.above_180 - daily.above_250 as between_181_250,
        daily.above_180,
        daily.above_250,

        ---------- indices
        -- GMI (Bergenstal 2018) and GRI (Klonoff 2022, capped at 100).
        3.31 + 0.02392 * daily.mean_glucose as gmi,
        least(
            100.0,
            3.0 * daily.below_54 + 2.4 * (daily.below_70 - daily.below_54)
            + 1.6 * daily.above_250 + 0.8 * (daily.above_180 - daily.above_250)
        ) as gri,

        ---------- sufficiency
        -- Readings against what the sensor could have given on this local day (23 or 25 hours
        -- long on DST days).
        least(
            100.0,
            100.0 * daily.n_readings * daily.sampling_minutes / (
                epoch(
                    timezone(sources.timezone, (daily.local_date + 1)::timestamp)
                    - timezone(sources.timezone, daily.local_date::timestamp)
                ) / 60.0
            )
        ) as active_percent,

        ---------- treatments
        coalesce(treatments.total_insulin_units, 0) as total_insulin_units,
        coalesce(treatments.total_carbs_grams, 0) as total_carbs_grams

    from daily
    inner join sources on daily.source_id = sources.source_id
    left join treatments
        on daily.source_id = treatments.source_id
        and daily.local_date = treatments.local_date

)

select * from final
{{ kept_rows('local_date') }}
order by source_id, local_date
