{#
    What a data test reads of its model: dbt's own `where` config, and, in an incremental lake
    build, only the partitions the build rewrote when the model says how it is partitioned
    (`meta.tested_partitions: <month column>`, partitions of source_id and that column).

    A refresh rewrites a few (source, month) partitions of a fact that holds years; testing
    the whole fact again made a year's refresh seconds slower than a week's, for rows no build
    touched since they were last tested. A rewritten partition is tested whole (its kept rows
    with its new ones), and a reading cannot move to another partition without its source's
    time zone changing, which makes the next build full (src/glucolake/ingest/snapshot.py),
    and a full build tests everything.

    dbt documents overriding this macro for filters its `where` config cannot express (that
    config is rendered while parsing; the scope is known only when the build runs).
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set partition_column = tested_partition_column() -%}
    {%- if partition_column and build_scope() is not none -%}
        {#- The rewritten partitions' files, read as the model's view reads its folder. -#}
        {%- set files = scoped_partitions(external_folder(relation), partition_column).scoped -%}
        {%- set tested = 'read_parquet(' ~ parquet_files(files) ~ ')' if files
            else '(select * from ' ~ relation ~ ' where false)' -%}
    {%- elif where -%}
        {%- set tested = relation -%}
    {%- else -%}
        {{- return(relation) -}}
    {%- endif -%}
    {{- return('(select * from ' ~ tested ~ (' where (' ~ where ~ ')' if where else '') ~ ') dbt_subquery') -}}
{%- endmacro %}

{% macro tested_partition_column() -%}
    {#- `meta.tested_partitions` of the model this test is attached to, when a build runs. -#}
    {%- if not execute or model is not mapping or not model.get('attached_node') -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model['attached_node']) -%}
    {%- if tested is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {{- return(tested.get('config', {}).get('meta', {}).get('tested_partitions')) -}}
{%- endmacro %}
