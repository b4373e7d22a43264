-- Requests open at the period end ($end; the registry's backlog) by age band, overdue or within
-- their deadline (metrics/present/detail.py). The band CASE and the predicates are code, never values.
SELECT {band} AS band,
       sum(CASE WHEN r.resolve_by < $end THEN 1 ELSE 0 END) AS overdue,
       sum(CASE WHEN r.resolve_by IS NULL OR r.resolve_by >= $end THEN 1 ELSE 0 END) AS within
FROM requests r
WHERE {open_at_end} AND {scope} AND {filters}
GROUP BY 1
