-- One page of the request rows behind a number. The row condition, credit and hours come from the
-- registry, the order from a whitelist; values are bound ($limit, $offset, period, scope, filters).
-- The page's ids are picked first over the few columns the condition and the order read; only
-- those rows are then read whole (long text included), so a 15-row list never reads 10M descriptions.
WITH page AS (
    SELECT r.request_id, {credit} AS credit, {hours} AS hours, r.received_at, r.closed_at, r.first_contact_at,
        r.category, r.unit_id, r.dept_id
    FROM requests r
    WHERE {where}
    ORDER BY {order}
    LIMIT $limit OFFSET $offset
)
SELECT
    r.request_id, r.received_at, r.channel, r.category, r.subcategory, r.source,
    r.unit_id, u.name AS unit_name, r.dept_id, d.name AS dept_name, r.urgency, r.status,
    r.respond_by, r.resolve_by, r.first_contact_at, r.closed_at,
    r.assessable, r.exclusion_reason, r.visited, r.contacted, r.resolved, r.satisfaction,
    r.returned_count, r.extended, r.is_repeat,
    page.credit, page.hours,
    r.citizen_name, r.citizen_phone, r.address, r.description
FROM requests r
JOIN page ON page.request_id = r.request_id
LEFT JOIN units u ON u.unit_id = r.unit_id
LEFT JOIN units d ON d.unit_id = r.dept_id
ORDER BY {order}
