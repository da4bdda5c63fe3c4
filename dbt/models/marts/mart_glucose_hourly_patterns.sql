with

readings as (

    select * from {{ source('curated', 'fact_glucose_readings') }}

),

final as (

    select
        source_id,
        local_iso_weekday,
        local_hour,
        count(*) as n_readings,
        avg(glucose_mg_dl) as mean_glucose,
        {{ percentile('glucose_mg_dl', 0.25) }} as p25,
        {{ percentile('glucose_mg_dl', 0.5) }} as p50,
        {{ percentile('glucose_mg_dl', 0.75) }} as p75,
        {{ percent_of_rows('glucose_mg_dl < 70') }} as below_70,
        {{ percent_of_rows('glucose_mg_dl between 70 and 180') }} as in_range_70_180,
        {{ percent_of_rows('glucose_mg_dl > 180') }} as above_180

    from readings
    group by source_id, local_iso_weekday, local_hour

)

select * from final
