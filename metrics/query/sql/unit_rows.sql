-- The units of one level that a viewer may see ($scope NULL = all), restricted to the
-- filter unit's subtree ($rows_unit NULL = no restriction). Used as the row set of unit tables,
-- so units without requests still get a row. name_en falls back to the Chinese name: imported units
-- may have none, and English pages must not show a blank.
SELECT u.unit_id AS key, u.name, coalesce(u.name_en, u.name) AS name_en, u.parent_id, u.level, u.population, u.staff
FROM units u
WHERE u.level = $level
  AND ($scope IS NULL OR u.unit_id IN (SELECT s.unit_id FROM unit_ancestors s WHERE s.ancestor_id = $scope))
  AND ($rows_unit IS NULL OR u.unit_id IN (SELECT s.unit_id FROM unit_ancestors s WHERE s.ancestor_id = $rows_unit))
