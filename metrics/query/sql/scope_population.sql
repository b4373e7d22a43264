-- Population and staff of what a total covers: the filter unit ($rows_unit), else the viewer's
-- scope unit ($scope), else every top-level territorial unit. One row, keyed {key}. A filter unit
-- outside the viewer's scope gives no population (scoping: no data of another unit).
SELECT {key} AS key, sum(u.population) AS population, sum(u.staff) AS staff
FROM units u
WHERE CASE
    WHEN coalesce($rows_unit, $scope) IS NULL THEN u.parent_id IS NULL AND u.level <> 'department'
    ELSE u.unit_id = coalesce($rows_unit, $scope)
END
  AND ($scope IS NULL OR u.unit_id IN (SELECT s.unit_id FROM unit_ancestors s WHERE s.ancestor_id = $scope))
