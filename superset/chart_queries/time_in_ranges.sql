-- The SQL Superset 6.1 runs for superset/charts/time_in_ranges.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT glucose_range AS glucose_range, SUM(n_readings_in_range) AS readings_in_range 
FROM (select
    summary.source_id,
    summary."window",
    ranges.range_order,
    ranges.glucose_range,
    ranges.percent_of_readings,
    round(summary.n_readings * ranges.percent_of_readings / 100) as n_readings_in_range
from marts.mart_glucose_summary as summary
cross join lateral (
    values
        (1, 'Very low (<54)', summary.below_54),
        (2, 'Low (54–69)', summary.below_70 - summary.below_54),
        (3, 'In range (70–180)', summary.in_range_70_180),
        (4, 'High (181–250)', summary.above_180 - summary.above_250),
        (5, 'Very high (>250)', summary.above_250)
) as ranges (range_order, glucose_range, percent_of_readings)
) AS virtual_table 
WHERE "window" = '14d' GROUP BY glucose_range 
 LIMIT 100;
