{#
    dbt-duckdb's `external` materialization, streamed: the model's query is written to the lake
    by one `COPY (query) TO`, instead of being built into a table first and then copied.

    The adapter's version holds the whole result in DuckDB's memory before writing it: for a
    cohort's year (10 million readings a model) that spilled far beyond the memory limit and
    doubled the work. What it does otherwise is kept: the same location and write options
    (`external_location`, `options`), a view over the written files, and one row of nulls
    when the result is empty, so that later steps, in other processes, still find the files
    and their columns (readers skip it: `source_id is not null`). A Python model returns a
    whole table anyway; it is built first, as the adapter does, then copied.

    `incremental_partitions=true` (a partitioned model whose incremental build rewrites only
    the partitions in its scope, see `kept_rows`): a full build replaces the location
    (`overwrite`), an incremental one writes its partitions and leaves the others as they are
    (`overwrite_or_ignore`). Chosen when the model runs, from the build's scope, not in the
    model's options: a parse-time choice would make the full build and the refreshes after it
    parse the project each for itself.
#}
{% materialization external, adapter="duckdb", supported_languages=['sql', 'python'] %}

    {%- set location = render(config.get('location', default=external_location(this, config))) -%}
    {%- set rendered_options = render_write_options(config).copy() -%}
    {%- if config.get('incremental_partitions') -%}
        {%- do rendered_options.update({('overwrite_or_ignore' if is_scoped() else 'overwrite'): true}) -%}
    {%- endif -%}
    {%- set write_options = adapter.external_write_options(location, rendered_options) -%}
    {%- set read_location = adapter.external_read_location(location, rendered_options) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set python_result = make_intermediate_relation(this.incorporate(type='table'), suffix='__dbt_tmp') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if model['language'] == 'python' -%}
        {{ drop_relation_if_exists(python_result) }}
        {%- call statement('create_table', language='python') -%}
            {{- create_table_as(False, python_result, compiled_code, 'python') }}
        {%- endcall -%}
        {%- set query = 'select * from ' ~ python_result -%}
    {%- else -%}
        {%- set query = compiled_code -%}
    {%- endif -%}

    {%- set batches = write_batches(query, config.get('write_batches')) -%}
    {%- if batches is none -%}
        {%- call statement('write') -%}
            copy ({{ query }}) to {{ dbt.string_literal(location) }} ({{ write_options }})
        {%- endcall -%}
    {%- else -%}
        {#- Batches hold disjoint partitions: after the first, which may clear the location
            (`overwrite`), each adds its own and leaves the others'. -#}
        {%- set adding = rendered_options.copy() -%}
        {%- do adding.pop('overwrite', none) -%}
        {%- do adding.update({'overwrite_or_ignore': true}) -%}
        {%- set adding_options = adapter.external_write_options(location, adding) -%}
        {%- for condition in batches.conditions -%}
            {%- call statement('write_batch_' ~ loop.index) -%}
                copy (select * from ({{ query }}) where {{ condition }})
                to {{ dbt.string_literal(location) }}
                ({{ write_options if loop.first else adding_options }})
            {%- endcall -%}
        {%- endfor -%}
        {%- do log(this.identifier ~ ": written in " ~ batches.conditions | length ~ " batches", info=True) -%}
    {%- endif -%}
    {#- What the location now holds: its files, and how many more files than folders. A
        partitioned write of nothing leaves no file. An incremental build of a partitioned
        model overwrites each partition's `data_0`: a second file in a partition would keep
        stale rows. DuckDB writes one when it closes a partition's writer and reopens it
        (profiles.yml raises the number it keeps open). -#}
    {%- set listed = run_query(
        'select count(*), count(*) - count(distinct parse_dirpath(file)) from glob('
        ~ dbt.string_literal(read_location) ~ ')'
    ).rows[0] -%}
    {%- set files, split = listed[0], listed[1] -%}
    {%- if rendered_options.get('partition_by') and split -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ": " ~ split ~ " partitions were written as several files; "
            ~ "raise partitioned_write_max_open_files in profiles.yml") }}
    {%- endif -%}
    {#- Whether the location holds no rows now. A batched write counted its rows; with none,
        the files found are partitions an incremental build kept, which hold rows (counting
        them from the footers of every file took 0.3 s on a cohort's year of readings).
        Unbatched, the footers say. -#}
    {%- if batches is not none -%}
        {%- set empty = batches.rows == 0 and files == 0 -%}
    {%- else -%}
        {%- set empty = files == 0 or run_query(
            'select count(*) from read_parquet(' ~ dbt.string_literal(read_location) ~ ')'
        ).columns[0].values()[0] == 0 -%}
    {%- endif -%}
    {%- if empty -%}
        {%- call statement('write_empty') -%}
            copy (
                select query_rows.* from (select 1) as one
                left join ({{ query }}) as query_rows on true
            ) to {{ dbt.string_literal(location) }} ({{ write_options }})
        {%- endcall -%}
    {%- endif -%}

    {%- call statement('main') -%}
        create or replace view {{ target_relation }} as (
            select * from read_parquet({{ dbt.string_literal(read_location) }})
            {%- if empty %} where false{% endif %}
        )
    {%- endcall -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ drop_relation_if_exists(python_result) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}

{% macro write_batches(query, batching) -%}
    {#- The conditions that split a partitioned write into batches of at most
        `batching.rows` rows, grouping whole values of the text column `batching.column`
        (a source's partitions stay in one batch), and the rows of all of them
        (`{'conditions': …, 'rows': …}`); none when the model has no `write_batches`.

        A partitioned COPY keeps a writer open for every partition it meets until it ends,
        since each partition must stay one file: a cohort's year is 1,300 source-months, and
        memory grows with the partitions one COPY holds open (the fact's numbers are in
        models/curated/fact_glucose_readings.sql). -#}
    {%- if not batching -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set column = adapter.quote(batching['column']) -%}
    {%- set counts = run_query(
        'select ' ~ column ~ ', count(*) from (' ~ query ~ ') group by all order by 1'
    ).rows -%}
    {%- set state = namespace(values=[], rows=0, conditions=[], total=0) -%}
    {%- for value, rows in counts -%}
        {%- set state.total = state.total + rows -%}
        {%- if state.values and state.rows + rows > batching['rows'] -%}
            {%- do state.conditions.append(column ~ ' in (' ~ state.values | join(', ') ~ ')') -%}
            {%- set state.values, state.rows = [], 0 -%}
        {%- endif -%}
        {%- if value is none -%}
            {%- do state.conditions.append(column ~ ' is null') -%}
        {%- else -%}
            {%- do state.values.append(dbt.string_literal(value)) -%}
            {%- set state.rows = state.rows + rows -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if state.values -%}
        {%- do state.conditions.append(column ~ ' in (' ~ state.values | join(', ') ~ ')') -%}
    {%- endif -%}
    {#- Nothing to write: one batch of nothing, so `overwrite` still clears the location. -#}
    {{- return({'conditions': state.conditions or ['false'], 'rows': state.total}) -}}
{%- endmacro %}
