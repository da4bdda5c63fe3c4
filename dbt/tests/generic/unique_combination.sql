{#
    The combination of `columns` is unique (optionally among rows matching `where`).
    Our own small test instead of dbt_utils: dbt packages download from the hub at build time,
    which the pipeline image must not need. Columns are quoted: `window` is a column name here.
#}
{% test unique_combination(model, columns, where=none) %}

{%- set quoted = [] -%}
{%- for column in columns -%}
    {%- do quoted.append(adapter.quote(column)) -%}
{%- endfor %}

select
    {{ quoted | join(', ') }},
    count(*) as occurrences
from {{ model }}
{% if where %}where {{ where }}{% endif %}
group by {{ quoted | join(', ') }}
having count(*) > 1

{% endtest %}
