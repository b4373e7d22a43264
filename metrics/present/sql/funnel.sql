-- The Resolution page's funnel (metrics/present/detail.py): requests received in the period at each
-- step. The period, closed / visited, scope and filter predicates are fragments from
-- metrics.core.conditions, access and filters (code, never values); values are bound.
SELECT count(*) AS received,
       sum(CASE WHEN r.first_contact_at IS NOT NULL THEN 1 ELSE 0 END) AS contacted,
       sum(CASE WHEN {closed} THEN 1 ELSE 0 END) AS closed,
       sum(CASE WHEN {visited} THEN 1 ELSE 0 END) AS visited,
       sum(CASE WHEN {visited} AND r.resolved THEN 1 ELSE 0 END) AS resolved,
       sum(CASE WHEN {visited} AND r.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END)
           AS satisfied
FROM requests r
WHERE {in_period} AND {scope} AND {filters}
