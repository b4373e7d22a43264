-- Additive daily roll-up of requests (metrics/rollup.py). The key columns, the day and the count
-- columns are identifiers and registry expressions filled in by refresh_rollups, never values.
CREATE OR REPLACE TABLE rollup_daily AS
SELECT {keys}, {day} AS day, {counts}
FROM requests r
GROUP BY {keys}, {day}
ORDER BY day   -- stored in day order, so a period reads only its own row groups
