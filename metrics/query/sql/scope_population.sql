-- Population and staff of what a total covers: the filter unit ($rows_unit), else the viewer's
-- scope unit ($scope), else every top-level territorial unit. One row, keyed {key}.
SELECT {key} AS key, sum(u.population) AS population, sum(u.staff) AS staff
FROM units u
WHERE CASE
    WHEN coalesce($rows_unit, $scope) IS NULL THEN u.parent_id IS NULL AND u.level <> 'department'
    ELSE u.unit_id = coalesce($rows_unit, $scope)
END
