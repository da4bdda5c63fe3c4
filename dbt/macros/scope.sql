{#
    Incremental builds rebuild only what new raw documents can have changed.

    `glucolake transform` passes the var `scope`: per changed source, the first local day to
    rebuild (null: every day), or no scope at all for a full build. Staging then reads only the
    changed sources' raw partitions (the var `raw_paths`), each lake-side model computes the
    scoped days, and `kept_rows` brings back its other rows from its previous build.
#}

{% macro is_scoped() -%}
    {{- return(var('scope', none) is not none) -}}
{%- endmacro %}

{% macro in_scope(source_column, date_column, by_month=false) -%}
    {#- True for the rows this build rebuilds: all of a full build, else the scoped days (or the
        months holding them, for a `YYYY-MM` column). -#}
    {%- set scope = var('scope', none) -%}
    {%- if scope is none -%}
        true
    {%- elif not scope -%}
        false
    {%- else -%}
        case {{ source_column }}
        {%- for source_id, from_date in scope.items() %}
            when {{ dbt.string_literal(source_id) }} then
            {%- if from_date is none %} true
            {%- elif by_month %} {{ date_column }} >= {{ dbt.string_literal(from_date[:7]) }}
            {%- else %} {{ date_column }} >= cast({{ dbt.string_literal(from_date) }} as date)
            {%- endif %}
        {%- endfor %}
            else false
        end
    {%- endif -%}
{%- endmacro %}

{% macro kept_rows(date_column, partition_column=none) -%}
    {#- `union all by name` with this model's rows outside the scope, from its previous build;
        nothing in a full build. A model partitioned by (source_id, partition_column) reads only
        the partitions it rewrites; the others stay on disk untouched. -#}
    {%- if not is_scoped() or not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set location = external_location(this, config) -%}
    {%- set pattern = location ~ ('/*/*/*.parquet' if partition_column else '') -%}
    {%- set found = run_query("select count(*) from glob(" ~ dbt.string_literal(pattern) ~ ")").columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{- exceptions.raise_compiler_error(
            "incremental build of " ~ this.identifier ~ ": its previous build " ~ pattern
            ~ " is missing; run `glucolake transform --full-refresh true`") -}}
    {%- endif %}
    union all by name
    select * from read_parquet({{ dbt.string_literal(pattern) }}, union_by_name = true)
    where source_id is not null
        {%- if partition_column %}
        and {{ in_scope('source_id', partition_column, by_month=true) }}
        {%- endif %}
        and not ({{ in_scope('source_id', date_column) }})
{%- endmacro %}

{% macro source_in_scope(source_column) -%}
    {#- True for every row of a source this build touches (all of them, in a full build). -#}
    {%- set scope = var('scope', none) -%}
    {%- if scope is none -%}
        true
    {%- elif not scope -%}
        false
    {%- else -%}
        {{ source_column }} in (
            {%- for source_id in scope %}{{ dbt.string_literal(source_id) }}{{ ', ' if not loop.last }}{% endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
