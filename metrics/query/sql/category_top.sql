-- Requests per category in the period and in the previous period. Filled in by
-- metrics/query/detail.category_top: the table (requests or a roll-up), the count (1 or the
-- roll-up count), "received in" each period (metrics.core.conditions, bounds bound as parameters);
-- scope and filters are predicates.
SELECT
    r.category,
    CAST(sum(CASE WHEN {now} THEN {count} ELSE 0 END) AS BIGINT) AS requests,
    CAST(sum(CASE WHEN {before} THEN {count} ELSE 0 END) AS BIGINT) AS previous
FROM {table} r
WHERE (({now}) OR ({before}))
  AND {scope}
  AND {filters}
GROUP BY r.category
