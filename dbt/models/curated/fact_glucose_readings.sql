{#-
    Partitioned by source and local month, so an incremental build rewrites only the months it
    touched (about 9,000 rows a source) and leaves the years before them on disk as they were.
    It is written in batches of sources (see the external materialization's `write_batches`):
    memory follows a batch's rows, not the cohort's. A partitioned COPY keeps a buffer open for
    every partition until it ends; small row groups bound each buffer (a full month is four or
    five of them). A full build does not sort: a partition is read whole, and every reader that
    needs an order asks for it. On a cohort's year, sorting each batch and DuckDB's default row
    groups made this write 24 s and 0.9 GB.
-#}
{{ config(
    incremental_partitions=true,
    write_batches={
        'column': 'source_id',
        'rows': env_var('GLUCOLAKE_FACT_BATCH_ROWS', '4000000') | int,
    },
    options={
        'partition_by': 'source_id, local_month',
        'write_partition_columns': true,
        'row_group_size': 2048,
    }
) }}

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
        strftime(local_date, '%Y-%m') as local_month,
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
    where {{ in_scope('source_id', 'local_date') }}

)

select * from final
{{ kept_rows('local_date', partition_column='local_month') }}
{#- An incremental build reads the rows it keeps from the very files it rewrites: the sort reads
    them all before the first row is written (streamed, the write emptied a file being read). #}
{%- if is_scoped() %}
order by source_id, date_ms
{%- endif %}
