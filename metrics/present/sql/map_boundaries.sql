-- The polygons of the units a map shows ($ids).
SELECT b.unit_id, b.geometry, b.centroid_lat, b.centroid_lon
FROM boundaries b
WHERE list_contains($ids, b.unit_id)
ORDER BY b.unit_id
