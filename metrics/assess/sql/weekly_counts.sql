-- Requests per subject (category or grid: {key}, {join}, {extra}) and week before $end, received
-- in [$since, $end), for the spike alerts (metrics/assess/alerts.py). Predicates are code; values are bound.
SELECT {key} AS subject,
       CAST(floor((epoch($end) - epoch(r.received_at)) / 604800) AS INTEGER) AS weeks_ago,
       count(*) AS n
FROM requests r {join}
WHERE {received}
  AND {scope} AND {filters} {extra}
GROUP BY 1, 2
