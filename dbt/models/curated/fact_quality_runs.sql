with

runs as (

    select * from {{ ref('stg_glucolake__quality_runs') }}

),

final as (

    select
        quality_run_id,
        validated_at,
        is_passed,
        n_critical_failed,
        n_warnings,
        n_expectations

    from runs

)

select * from final
order by validated_at
