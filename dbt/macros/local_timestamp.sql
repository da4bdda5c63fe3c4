{#
    The wall-clock time of a UTC instant in a time zone read from a column (DuckDB).

    `timezone(zone_column, instant)` sets up an ICU calendar for every row when the zone varies
    by row: 4 s per million readings, most of a cohort's intermediate build. With the zone a
    constant DuckDB sets it up once (5x faster), so this lists the zones of the cohort's sources
    when the model runs and converts each zone's rows with its own constant. The same function
    does the conversion, so the result is identical; a zone missing from the list (a unit test's
    fixture, a source added meanwhile, a compile before any build) takes the per-row path.
#}
{% macro local_timestamp(zone_column, instant, zones_relation) -%}
    {%- set zones = [] -%}
    {%- if execute and not (model is mapping and model.get('resource_type') == 'unit_test')
            and load_relation(zones_relation) is not none -%}
        {#- Absent when nothing was built yet (`dbt docs generate` compiles without building). -#}
        {%- set zones = run_query(
            'select distinct timezone from ' ~ zones_relation
            ~ ' where timezone is not null order by 1'
        ).columns[0].values() -%}
    {%- endif -%}
    {%- if zones -%}
        case {{ zone_column }}
        {%- for zone in zones %}
            when {{ dbt.string_literal(zone) }}
                then timezone({{ dbt.string_literal(zone) }}, {{ instant }})
        {%- endfor %}
            else timezone({{ zone_column }}, {{ instant }})
        end
    {%- else -%}
        timezone({{ zone_column }}, {{ instant }})
    {%- endif -%}
{%- endmacro %}
