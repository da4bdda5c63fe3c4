{#
    Incremental builds rebuild only what new raw documents can have changed.

    `glucolake transform` gives every build two settings (src/glucolake/transform/scope.py):
    `scope`, per changed source the first local day to rebuild (null: every day), or null for
    a full build; and `raw_paths`, per collection the raw files to read. Staging then reads only
    those files (`build_source`), each lake-side model computes the scoped days (`in_scope`), and
    `kept_rows` brings back its other rows from its previous build.

    Both settings change with every build, so they are not dbt vars: a change of `--vars` makes
    dbt parse the whole project again (seconds per step). glucolake writes them to a JSON file
    named by the environment variable GLUCOLAKE_DBT_BUILD, and these macros read that file when
    a model runs (`execute`), never while dbt parses: nothing parse-time, and so nothing a
    partially parsed manifest keeps, depends on them, not even whether the build is incremental
    (a partitioned model's write mode is chosen when it runs: `incremental_partitions` in the
    external materialization). So a full build and the refreshes after it share one parse.

    A unit test has no build: its `scope` is the var `scope` its fixture may override (null, a
    full build, by default). Neither has a warehouse target, which builds no lake-side model.
#}

{% macro build_setting(name) -%}
    {#- `scope` or `raw_paths` of this build, read when a model runs (none while parsing). A
        warehouse target only compiles lake-side models (`dbt docs generate`) and cannot read
        the file: it gets a full build's. -#}
    {%- if (model is mapping and model.get('resource_type') == 'unit_test')
            or not target.name.startswith('lake') -%}
        {{- return(var(name, none)) -}}
    {%- endif -%}
    {%- if not execute -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set path = env_var('GLUCOLAKE_DBT_BUILD', '') -%}
    {%- if not path -%}
        {{- exceptions.raise_compiler_error(
            "no build settings (GLUCOLAKE_DBT_BUILD is not set): run the lake side through "
            ~ "`glucolake transform`") -}}
    {%- endif -%}
    {%- set text = run_query("select content from read_text(" ~ dbt.string_literal(path) ~ ")").columns[0].values()[0] -%}
    {%- set build = fromjson(text) -%}
    {%- if name not in build -%}
        {{- exceptions.raise_compiler_error("build settings " ~ path ~ " have no " ~ name) -}}
    {%- endif -%}
    {{- return(build[name]) -}}
{%- endmacro %}

{% macro build_scope() -%}
    {#- This build's `scope` when a model runs (none while parsing, or in a full build). -#}
    {{- return(build_setting('scope')) -}}
{%- endmacro %}

{% macro is_scoped() -%}
    {#- Whether this build rebuilds only some sources and days (false while parsing). -#}
    {{- return(build_scope() is not none) -}}
{%- endmacro %}

{% macro build_source(source_name, table_name) -%}
    {#- `source()` narrowed to this build's raw files of the table (`raw_paths`) when the model
        runs. The source itself names every raw file of the collection (the var `raw_paths`, the
        same in every build), which is what dbt records while parsing. -#}
    {%- set relation = source(source_name, table_name) -%}
    {%- set paths = build_setting('raw_paths') if execute else none -%}
    {%- if paths is none or relation.external is none -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set every_file = var('raw_paths')[table_name] -%}
    {%- if relation.external.count(every_file) != 1 -%}
        {{- exceptions.raise_compiler_error(
            "source " ~ source_name ~ "." ~ table_name ~ " does not read the var raw_paths."
            ~ table_name ~ " exactly once: " ~ relation.external) -}}
    {%- endif -%}
    {{- return(relation.incorporate(external=relation.external.replace(every_file, paths[table_name]))) -}}
{%- endmacro %}

{% macro in_scope(source_column, date_column, by_month=false) -%}
    {#- True for the rows this build rebuilds: all of a full build, else the scoped days (or the
        months holding them, for a `YYYY-MM` column). Sources that start on the same day share
        one `in` list (a refresh: all of them): DuckDB prunes a partitioned model's files on
        that in a third of the time a `case` per source took. -#}
    {%- set scope = build_scope() -%}
    {%- if scope is none -%}
        true
    {%- elif not scope -%}
        false
    {%- else -%}
        {%- set by_start = {} -%}
        {%- for source_id, from_date in scope.items() -%}
            {%- set start = none if from_date is none else (from_date[:7] if by_month else from_date) -%}
            {%- do by_start.setdefault(start, []).append(dbt.string_literal(source_id)) -%}
        {%- endfor -%}
        (
        {%- for start, sources in by_start.items() %}
            {{ 'or ' if not loop.first }}({{ source_column }} in ({{ sources | join(', ') }})
            {%- if start is none %})
            {%- elif by_month %} and {{ date_column }} >= {{ dbt.string_literal(start) }})
            {%- else %} and {{ date_column }} >= cast({{ dbt.string_literal(start) }} as date))
            {%- endif %}
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{% macro kept_rows(date_column, partition_column=none) -%}
    {#- `union all by name` with this model's rows outside the scope, from its previous build;
        nothing in a full build. A model partitioned by (source_id, partition_column) reads only
        the partitions it rewrites; the others must stay on disk untouched, which only its
        config `incremental_partitions` does (see the external materialization): a model
        without it fails here before it writes anything. -#}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- if partition_column and not config.get('incremental_partitions') -%}
        {{- exceptions.raise_compiler_error(
            this.identifier ~ " keeps rows by partition but has no incremental_partitions "
            ~ "config; refusing to write its partitions") -}}
    {%- endif -%}
    {%- set scoped = is_scoped() -%}
    {%- if not scoped -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set location = external_location(this, config) -%}
    {%- if partition_column -%}
        {%- set partitions = scoped_partitions(location, partition_column) -%}
        {%- set found, files = partitions.files, partitions.scoped -%}
    {%- else -%}
        {%- set found = run_query("select count(*) from glob(" ~ dbt.string_literal(location) ~ ")").columns[0].values()[0] -%}
        {%- set files = [location] -%}
    {%- endif -%}
    {%- if found == 0 -%}
        {{- exceptions.raise_compiler_error(
            "incremental build of " ~ this.identifier ~ ": its previous build in " ~ location
            ~ " is missing; run `glucolake transform --full-refresh true`") -}}
    {%- endif -%}
    {%- if not files -%}
        {{- return('') -}}
    {%- endif %}
    union all by name
    select * from read_parquet({{ parquet_files(files) }}, union_by_name = true)
    where source_id is not null
        and not ({{ in_scope('source_id', date_column) }})
{%- endmacro %}

{% macro scoped_partitions(location, partition_column) -%}
    {#- The files of a model partitioned by (source_id, `partition_column`, a `YYYY-MM` month)
        under `location`: how many there are (`files`), and the paths of those in the partitions
        this build rewrites (`scoped`), from one listing.

        Read as a list, these files are all DuckDB opens. Read as the glob with the scope as a
        filter, DuckDB matched each of the folder's files against the scope's sources first:
        0.16 s per read on a cohort's year (1,300 files), 0.02 s for its month's 100 files. -#}
    {%- set listing -%}
        select
            file,
            source_id != '' and {{ partition_column }} != '',
            coalesce({{ in_scope('source_id', partition_column, by_month=true) }}, false)
        from (
            select
                file,
                regexp_extract(file, '/source_id=([^/]+)/[^/]+/[^/]+$', 1) as source_id,
                regexp_extract(file, '/{{ partition_column }}=([^/]+)/[^/]+$', 1) as {{ partition_column }}
            from glob({{ dbt.string_literal(location ~ '/*/*/*.parquet') }})
        )
        order by file
    {%- endset -%}
    {%- set rows = run_query(listing).rows -%}
    {%- set scoped = [] -%}
    {%- for file, named, rewritten in rows -%}
        {%- if not named -%}
            {{- exceptions.raise_compiler_error(
                file ~ " is not in a source_id=…/" ~ partition_column ~ "=… partition") -}}
        {%- endif -%}
        {%- if rewritten -%}
            {%- do scoped.append(file) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return({'files': rows | length, 'scoped': scoped}) -}}
{%- endmacro %}

{% macro parquet_files(files) -%}
    {#- A list of Parquet paths as read_parquet takes it. -#}
    [{%- for file in files %}{{ dbt.string_literal(file) }}{{ ', ' if not loop.last }}{% endfor -%}]
{%- endmacro %}

{% macro source_in_scope(source_column) -%}
    {#- True for every row of a source this build touches (all of them, in a full build). -#}
    {%- set scope = build_scope() -%}
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
