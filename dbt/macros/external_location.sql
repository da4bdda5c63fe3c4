{#
    Lake-side models are written to <lake>/<schema>/<model>.parquet (or a folder when the model
    is partitioned), so the lake's zones mirror the dbt layers: intermediate/, curated/.
    Overrides dbt-duckdb's macro of the same name, which ignores the schema.
#}
{%- macro external_location(relation, config) -%}
    {%- if config.get('options', {}).get('partition_by') is none -%}
        {{- external_folder(relation) }}.{{ config.get('format', 'parquet') }}
    {%- else -%}
        {{- external_folder(relation) }}
    {%- endif -%}
{%- endmacro -%}

{%- macro external_folder(relation) -%}
    {{- adapter.external_root() ~ '/' ~ relation.schema ~ '/' ~ relation.identifier -}}
{%- endmacro -%}
