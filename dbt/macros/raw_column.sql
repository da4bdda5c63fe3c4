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

{% macro raw_needs_json(relation, columns) -%}
    {#- Whether some raw row predates encoding 2 (its file has no `_gl_encoding` column), so
        its nested numbers are only in the JSON document. Asked when the model runs: a lake
        written since holds none, and then the documents are not read at all (a cohort's year
        of device statuses: 2 s per scan, for a column no row of it needs). -#}
    {%- if not execute or '_gl_encoding' not in columns -%}
        {{- return(true) -}}
    {%- endif -%}
    {%- set found = run_query(
        'select count(*) from (select 1 from ' ~ relation ~ ' where _gl_encoding is null limit 1)'
    ).columns[0].values()[0] -%}
    {{- return(found > 0) -}}
{%- endmacro %}

{% macro nested_number(columns, paths, json_fallback=true) -%}
    {#- The first of `paths` (dotted: 'loop.iob.iob') that holds a number, as a double.

        Raw files of encoding 2 carry every number nested in objects in a column named by its
        path (src/glucolake/lake/raw_encoding.py), so no JSON is parsed. Files of encoding 1
        (no `_gl_encoding` column) only have it in the document: parse the JSON there, unless
        `json_fallback` is false (`raw_needs_json` found no such file). -#}
    {%- set typed = [] -%}
    {%- for path in paths if path in columns -%}
        {%- do typed.append('try_cast(' ~ adapter.quote(path) ~ ' as double)') -%}
    {%- endfor -%}
    {%- set from_json -%}
        try_cast([value for value in json_extract(_gl_document, [
            {%- for path in paths -%}
            {{ dbt.string_literal('$.' ~ path) }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        ]) if value is not null][1] as double)
    {%- endset -%}
    {%- set typed_value = 'coalesce(' ~ typed | join(', ') ~ ')' if typed else 'cast(null as double)' -%}
    {%- if '_gl_encoding' not in columns -%}
        {{ from_json }}
    {%- elif not json_fallback -%}
        {{ typed_value }}
    {%- else -%}
        case
            when _gl_encoding >= 2 then {{ typed_value }}
            else {{ from_json }}
        end
    {%- endif -%}
{%- endmacro %}
