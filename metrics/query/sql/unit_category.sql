-- Per unit of level $level x request category (metrics/breakdown.py, used by the case-mix
-- adjustment and the scorecards): the request count and each rate's credit sum (<rate>_num) and
-- denominator (<rate>_den) for requests received in [$start, $end) within the viewer's scope.
-- Territorial units own every request in their subtree (closure table); a department owns the
-- requests it handled (dept_id; its depth-0 closure row maps it to itself).
-- The aggregates, the period and the scope predicate are registry / conditions / access SQL fragments (code, never values); values are bound.
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
WHERE {in_period}
  AND {scope}
GROUP BY o.unit_id, coalesce(r.category, '')
ORDER BY o.unit_id, category
