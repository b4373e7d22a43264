-- Rebuild unit_ancestors from units.parent_id. The hierarchy is at most six levels deep
-- (city > district > street > community > grid, departments under the city), so the
-- recursion is bounded; it runs at write time only, never in metric queries (DESIGN §10).
INSERT INTO unit_ancestors
WITH RECURSIVE up(unit_id, ancestor_id, depth) AS (
    SELECT unit_id, unit_id, 0 FROM units
    UNION ALL
    SELECT up.unit_id, u.parent_id, up.depth + 1
    FROM up JOIN units u ON u.unit_id = up.ancestor_id
    WHERE u.parent_id IS NOT NULL AND up.depth < 10
)
SELECT unit_id, ancestor_id, depth FROM up;
