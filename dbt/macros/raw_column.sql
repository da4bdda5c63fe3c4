{#
    A raw field as a typed value, or a typed null when no raw file of the collection has it.

    The raw zone keeps every top-level field as fetched, so a cohort without calibration rows has
    no `slope` column at all, and a field a site sent as both 176 and "176" is text. Staging
    therefore asks which columns exist (`raw_columns`) and casts leniently (`try_cast`), so a
    value that cannot be typed becomes null and is caught by the quarantine rules downstream.
#}
{% macro raw_columns(relation) -%}
    {#- No raw file yet (a cohort without treatments, say): no columns, and no read of the glob,
        which DuckDB would refuse. The glob is the first quoted string of the source relation. -#}
    {%- if not execute -%}
        {{- return([]) -}}
    {%- endif -%}
    {%- set pattern = modules.re.search("'([^']+)'", relation | string).group(1) -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{- return([]) -}}
    {%- endif -%}
    {%- set described = run_query('describe select * from ' ~ relation) -%}
    {{- return(described.columns[0].values() | list) -}}
{%- endmacro %}

{% macro raw_source(relation, columns) -%}
    {#- The raw relation, or no rows at all when the collection has no file yet. -#}
    {%- if columns -%}
        select * from {{ relation }}
    {%- else -%}
        select 1 as no_raw_file where false
    {%- endif -%}
{%- endmacro %}

{% macro raw_column(columns, name, type) -%}
    {%- if name in columns -%}
        try_cast({{ adapter.quote(name) }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}
