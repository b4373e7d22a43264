-- Additive daily roll-up of requests (metrics/store/rollup.py): a full build (CREATE OR REPLACE) or the
-- touched days appended (INSERT). Each event pass counts rows on one kind of day (received; a stock's
-- open and close days); the key columns, the sums and the passes are identifiers and registry
-- expressions filled in by the roll-up module, never values.
{head}
SELECT {keys}, day, {sums}
FROM (
{events}
) r
GROUP BY {keys}, day
ORDER BY day   -- stored in day order, so a period reads only its own row groups
