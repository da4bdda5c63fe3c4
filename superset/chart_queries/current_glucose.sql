-- The SQL Superset 6.1 runs for superset/charts/current_glucose.yaml, the source filter unset.
-- Written by tests/e2e/superset/test_chart_data.py (REGENERATE=1); do not edit.
SELECT DATE_TRUNC('minute', reading_local_at) AS reading_local_at, AVG(glucose_mg_dl) AS avg_glucose_mg_dl 
FROM (select
    source_id,
    local_date,
    cast(local_date as timestamp) + local_minute_of_day * interval '1 minute' as reading_local_at,
    glucose_mg_dl,
    glucose_range,
    days_before_newest
from marts.mart_glucose_daily_profiles
) AS virtual_table 
WHERE ((days_before_newest <= 1)) GROUP BY DATE_TRUNC('minute', reading_local_at) 
 LIMIT 50000;
