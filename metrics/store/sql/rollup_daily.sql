-- Additive daily roll-up of requests (metrics/store/rollup.py): the SELECT of a full build or of the
-- touched days. Each event pass counts rows on one kind of day (received; a stock's open and close
-- days); the key columns, the sums and the passes are identifiers and registry expressions filled in
-- by the roll-up module, never values. Portable: the Spark roll-up job (metrics/scale) runs it too.
SELECT {keys}, day, {sums}
FROM (
{events}
) r
GROUP BY {keys}, day
