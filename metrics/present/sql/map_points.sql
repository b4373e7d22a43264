-- The most recent requests received in the period with a real point (coordinates, not a placeholder) ($limit), without personal data.
SELECT r.lat, r.lon, r.category, r.status, strftime(r.received_at, '%Y-%m-%d %H:%M') AS received
FROM requests r
WHERE {in_period} AND {on_map}
  AND {scope} AND {filters}
ORDER BY r.received_at DESC
LIMIT $limit
