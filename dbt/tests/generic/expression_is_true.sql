{#
    Every row satisfies `expression` (a row-level invariant), optionally among rows matching `where`.
#}
{% test expression_is_true(model, expression, where=none, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})
{% if where %}and ({{ where }}){% endif %}

{% endtest %}
