-- Every unit the viewer may see ($scope NULL = all), for the filter bar and the pages' names.
SELECT u.unit_id, u.name, coalesce(u.name_en, u.name) AS name_en, u.level, u.parent_id,
       u.population, u.staff
FROM units u
WHERE $scope IS NULL
   OR u.unit_id IN (SELECT a.unit_id FROM unit_ancestors a WHERE a.ancestor_id = $scope)
ORDER BY u.level, u.unit_id
