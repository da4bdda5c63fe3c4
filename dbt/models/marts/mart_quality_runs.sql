with

runs as (

    select * from {{ source('curated', 'fact_quality_runs') }}

),

final as (

    select
        quality_run_id,
        validated_at,
        is_passed,
        n_critical_failed,
        n_warnings,
        n_expectations,
        row_number() over (order by validated_at desc) = 1 as is_latest

    from runs

)

select * from final
