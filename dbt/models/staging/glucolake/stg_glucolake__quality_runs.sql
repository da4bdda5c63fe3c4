{%- set relation = source('glucolake', 'quality_runs') -%}
{%- set columns = raw_columns(relation) -%}

with

source as (

    {{ raw_source(relation, columns) }}

),

final as (

    select
        {{ raw_column(columns, 'run_id', 'varchar') }} as quality_run_id,
        {{ raw_column(columns, 'validated_at', 'timestamptz') }} as validated_at,
        {{ raw_column(columns, 'passed', 'boolean') }} as is_passed,
        {{ raw_column(columns, 'critical_failed', 'bigint') }} as n_critical_failed,
        {{ raw_column(columns, 'warnings', 'bigint') }} as n_warnings,
        {{ raw_column(columns, 'expectations', 'bigint') }} as n_expectations

    from source
    -- One row per run: a compaction of past summaries killed half-way leaves copies
    -- (src/glucolake/quality/summary_files.py).
    qualify row_number() over (partition by quality_run_id order by validated_at) = 1

)

select * from final
