{#
    The p-quantile with linear interpolation between order statistics (R's type 7, the one iglu
    and the AGP use). Postgres only has the SQL-standard ordered-set aggregate; DuckDB has its
    own, faster function.
#}
{% macro percentile(expression, p) -%}
    {{ return(adapter.dispatch('percentile', 'glucolake')(expression, p)) }}
{%- endmacro %}

{% macro default__percentile(expression, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, p) -%}
    quantile_cont({{ expression }}, {{ p }})
{%- endmacro %}
