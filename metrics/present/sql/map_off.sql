-- How many requests received in the period have no real point (none, or a placeholder): not drawn.
SELECT count(*)
FROM requests r
WHERE {in_period} AND NOT ({on_map})
  AND {scope} AND {filters}
