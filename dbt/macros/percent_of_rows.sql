{#
    The share of the group's rows, in percent, for which `condition` holds. Postgres has no
    `count_if`, and `filter (where …)` reads worse in long select lists; one spelling for both.
#}
{% macro percent_of_rows(condition) -%}
    100.0 * sum(case when {{ condition }} then 1 else 0 end) / count(*)
{%- endmacro %}
