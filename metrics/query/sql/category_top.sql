-- Requests per category in the period and in the previous period. Filled in by
-- queries_detail.category_top: the table (requests or rollup_daily), its time column, the count
-- (1 or the roll-up count) and the bounds as bound parameters; scope and filters are predicates.
SELECT
    r.category,
    CAST(sum(CASE WHEN {t} >= {lo} AND {t} < {hi} THEN {count} ELSE 0 END) AS BIGINT) AS requests,
    CAST(sum(CASE WHEN {t} >= {plo} AND {t} < {phi} THEN {count} ELSE 0 END) AS BIGINT) AS previous
FROM {table} r
WHERE (({t} >= {lo} AND {t} < {hi}) OR ({t} >= {plo} AND {t} < {phi}))
  AND {scope}
  AND {filters}
GROUP BY r.category
