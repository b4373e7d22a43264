-- Duration histograms (response / close hours) per roll-up key and fixed log-spaced bin: the SELECT of
-- a full build or of the touched days (metrics/store/rollup.py; the Spark roll-up job runs it too).
SELECT {keys}, day, which, bin, CAST(count(*) AS BIGINT) AS n
FROM (
{rows}
) h
GROUP BY {keys}, day, which, bin
