with

sources as (

    select * from {{ ref('stg_glucolake__sources') }}

),

readings as (

    select
        source_id,
        count(*) as n_readings,
        min(reading_at) as first_reading_at,
        max(reading_at) as last_reading_at

    from {{ ref('int_glucose_enriched') }}
    group by source_id

),

final as (

    select
        sources.source_id,
        sources.site_url,
        sources.timezone,
        sources.timezone_origin,
        coalesce(readings.n_readings, 0) as n_readings,
        readings.first_reading_at,
        readings.last_reading_at

    from sources
    left join readings on sources.source_id = readings.source_id

)

select * from final
order by source_id
