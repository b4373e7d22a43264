-- Duration histograms (response / close hours) per roll-up key and fixed log-spaced bin: a full build
-- or the touched days appended (metrics/store/rollup.py).
{head}
SELECT {keys}, day, which, bin, count(*) AS n
FROM (
{rows}
) h
GROUP BY {keys}, day, which, bin
