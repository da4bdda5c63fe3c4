{#
    The p-quantiles of one expression with linear interpolation between order statistics (R's
    type 7, the one iglu and the AGP use), for each fraction in `fractions`, as one aggregate:
    DuckDB sorts a group's values once per call, so one call for all fractions instead of one
    per fraction. It yields an array of double precision (a DuckDB list), indexed from 1 in the
    order of `fractions`; a following CTE takes `q[1] as p25` and so on. Postgres only has the
    SQL-standard ordered-set aggregate; DuckDB has its own, faster function.
#}
{% macro percentiles(expression, fractions) -%}
    {{ return(adapter.dispatch('percentiles', 'glucolake')(expression, fractions)) }}
{%- endmacro %}

{% macro default__percentiles(expression, fractions) -%}
    percentile_cont(array[{{ fractions | join(', ') }}]) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentiles(expression, fractions) -%}
    quantile_cont({{ expression }}, [{{ fractions | join(', ') }}])
{%- endmacro %}
