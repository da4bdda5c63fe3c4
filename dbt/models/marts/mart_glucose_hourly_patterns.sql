with

readings as (

    select * from {{ source('curated', 'fact_glucose_readings') }}

),

hourly as (

    select
        source_id,
        local_iso_weekday,
        local_hour,
        count(*) as n_readings,
        avg(glucose_mg_dl) as mean_glucose,
        {{ percentiles('glucose_mg_dl', [0.25, 0.5, 0.75]) }} as quartiles,
        {{ percent_of_rows('glucose_mg_dl < 70') }} as below_70,
        {{ percent_of_rows('glucose_mg_dl between 70 and 180') }} as in_range_70_180,
        {{ percent_of_rows('glucose_mg_dl > 180') }} as above_180

    from readings
    group by source_id, local_iso_weekday, local_hour

),

final as (

    select
        source_id,
        local_iso_weekday,
        local_hour,
        n_readings,
        mean_glucose,
        quartiles[1] as p25,
        quartiles[2] as p50,
        quartiles[3] as p75,
        below_70,
        in_range_70_180,
        above_180

    from hourly

)

select * from final
