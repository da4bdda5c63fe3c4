with

treatments as (

    select * from {{ ref('stg_nightscout__treatments') }}

),

sources as (

    select * from {{ ref('stg_glucolake__sources') }}

),

final as (

    select
        ---------- ids
        treatments.source_id,
        treatments.nightscout_id as treatment_id,

        ---------- strings
        treatments.event_type,
        treatments.entered_by,

        ---------- numerics
        treatments.insulin_units,
        treatments.carbs_grams,
        treatments.duration_minutes,
        treatments.basal_rate_units_per_hour,
        treatments.basal_percent_change,

        ---------- timestamps
        treatments.created_at,
        timezone(sources.timezone, treatments.created_at) as created_at_local,
        timezone(sources.timezone, treatments.created_at)::date as local_date

    from treatments
    inner join sources on treatments.source_id = sources.source_id
    where not treatments.is_deleted

)

select * from final
where {{ in_scope('source_id', 'local_date') }}
{{ kept_rows('local_date') }}
order by source_id, created_at
