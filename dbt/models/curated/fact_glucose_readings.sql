with

enriched as (

    select * from {{ ref('int_glucose_enriched') }}

),

final as (

    select
        ---------- ids
        source_id,
        date_ms,

        ---------- strings
        glucose_range,
        direction,
        device,

        ---------- numerics
        glucose_mg_dl,
        trend,
        rate_mg_dl_per_minute,
        minutes_since_previous,
        local_hour,
        local_iso_weekday,
        local_quarter_hour,
        local_minute_of_day,

        ---------- booleans
        is_clamped_low,
        is_clamped_high,
        is_after_gap,

        ---------- timestamps
        reading_at,
        reading_at_local,
        local_date

    from enriched

)

select * from final
order by source_id, date_ms
