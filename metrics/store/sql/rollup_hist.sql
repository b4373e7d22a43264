-- Duration histograms (response / close hours) per roll-up key and fixed log-spaced bin.
CREATE OR REPLACE TABLE rollup_hist AS
SELECT {keys}, day, which, bin, count(*) AS n
FROM (
{rows}
) h
GROUP BY {keys}, day, which, bin
