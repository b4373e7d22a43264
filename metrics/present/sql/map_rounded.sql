-- Requests received in the period with a real point (coordinates, not a placeholder), counted per point rounded to 4 decimals
-- (about 10 m), for the hexagon layer. Period, scope and filters are predicates; values are bound.
SELECT round(r.lat, 4) AS lat, round(r.lon, 4) AS lon, count(*) AS n
FROM requests r
WHERE {in_period} AND {on_map}
  AND {scope} AND {filters}
GROUP BY 1, 2
