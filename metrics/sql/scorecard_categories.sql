-- Scorecard categories (metrics/scorecard_build.py): per unit of level $level x request category,
-- the request count and each rate indicator's credit sum (<rate>_num) and denominator (<rate>_den)
-- for requests received in [$start, $end) within the viewer's scope. Ownership as in
-- assessment_casemix.sql: territorial units own their subtree, a department the requests it handled.
-- The aggregates and the scope predicate are registry / access SQL fragments (code, never values); values are bound.
WITH owner AS (
    SELECT a.unit_id AS leaf_id, a.ancestor_id AS unit_id
    FROM unit_ancestors a
    JOIN units u ON u.unit_id = a.ancestor_id
    WHERE u.level = $level
)
SELECT
    o.unit_id,
    coalesce(r.category, '') AS category,
    {aggregates}
FROM requests r
JOIN owner o ON o.leaf_id = CASE WHEN $level = 'department' THEN r.dept_id ELSE r.unit_id END
WHERE r.received_at >= $start AND r.received_at < $end
  AND {scope}
GROUP BY o.unit_id, coalesce(r.category, '')
ORDER BY o.unit_id, category
