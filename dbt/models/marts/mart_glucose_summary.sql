with

window_metrics as (

    select * from {{ source('curated', 'glucose_window_metrics') }}

),

final as (

    select
        source_id,
        {{ adapter.quote('window') }},
        n_readings,
        mean_glucose,
        sd_glucose,
        cv_glucose,
        in_range_70_180,
        below_54,
        below_70,
        above_180,
        above_250,
        gmi,
        gri,
        j_index,
        mage,
        conga_1,
        modd,
        lbgi,
        hbgi,
        adrr,
        active_percent,
        p05,
        p25,
        p50,
        p75,
        p95

    from window_metrics

)

select * from final
