-- One page of the request rows behind a number. The row condition, credit and hours come from the
-- registry, the order from a whitelist; values are bound ($limit, $offset, period, scope, filters).
SELECT
    r.request_id, r.received_at, r.channel, r.category, r.subcategory, r.source,
    r.unit_id, u.name AS unit_name, r.dept_id, d.name AS dept_name, r.urgency, r.status,
    r.respond_by, r.resolve_by, r.first_contact_at, r.closed_at,
    r.assessable, r.exclusion_reason, r.visited, r.contacted, r.resolved, r.satisfaction,
    r.returned_count, r.extended, r.is_repeat,
    {credit} AS credit, {hours} AS hours,
    r.citizen_name, r.citizen_phone, r.address, r.description
FROM requests r
LEFT JOIN units u ON u.unit_id = r.unit_id
LEFT JOIN units d ON d.unit_id = r.dept_id
WHERE {where}
ORDER BY {order}
LIMIT $limit OFFSET $offset
