{#
    Schemas are the contract with the warehouse and the lake: `staging`, `intermediate`,
    `curated`, `marts` exactly, never prefixed with the target's default schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
