-- Written to the lake: the quality gate and the reports count it in other steps.
{{ config(materialized='external') }}

with

entries as (

    select * from {{ ref('stg_nightscout__entries') }}

),

final as (

    select
        source_id,
        nightscout_id,
        batch_id,
        entry_type,
        quarantine_reason,
        sgv_mg_dl,
        mbg_mg_dl,
        date_raw,
        date_ms,
        fetched_at

    from entries
    where quarantine_reason is not null

)

select * from final
