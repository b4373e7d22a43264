-- Requests received in the period with coordinates, counted per point rounded to 4 decimals
-- (about 10 m), for the hexagon layer. Period, scope and filters are predicates; values are bound.
SELECT round(r.lat, 4) AS lat, round(r.lon, 4) AS lon, count(*) AS n
FROM requests r
WHERE {in_period} AND r.lat IS NOT NULL AND r.lon IS NOT NULL
  AND {scope} AND {filters}
GROUP BY 1, 2
