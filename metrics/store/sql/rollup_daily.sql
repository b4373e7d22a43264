-- Additive daily roll-up of requests (metrics/store/rollup.py): a full build (CREATE OR REPLACE) or the
-- touched days appended (INSERT). The key columns, the day, the count columns and the day filter are
-- identifiers and registry expressions filled in by the roll-up module, never values.
{head}
SELECT {keys}, {day} AS day, {counts}
FROM requests r
WHERE {where}
GROUP BY {keys}, {day}
ORDER BY day   -- stored in day order, so a period reads only its own row groups
