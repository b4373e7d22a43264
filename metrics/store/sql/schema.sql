-- GridScore store schema (DESIGN §3). Bump SCHEMA_VERSION in metrics/store/snapshots.py when this changes.
CREATE TABLE IF NOT EXISTS gridscore_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS units (
    unit_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_en    TEXT,
    level      TEXT NOT NULL CHECK (level IN ('city', 'district', 'street', 'community', 'grid', 'department')),
    parent_id  TEXT,
    population INTEGER,
    staff      INTEGER,
    area_km2   DOUBLE,
    kind       TEXT            -- district kind (old_town / new_district / suburban / rural), NULL elsewhere
);

-- Closure table: every unit is its own ancestor at depth 0, so a roll-up is one join.
CREATE TABLE IF NOT EXISTS unit_ancestors (
    unit_id     TEXT NOT NULL,
    ancestor_id TEXT NOT NULL,
    depth       INTEGER NOT NULL,
    PRIMARY KEY (unit_id, ancestor_id)
);

CREATE TABLE IF NOT EXISTS boundaries (
    unit_id      TEXT PRIMARY KEY,
    geometry     TEXT NOT NULL,     -- GeoJSON geometry, WGS-84
    centroid_lat DOUBLE NOT NULL,
    centroid_lon DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS requests (
    request_id       TEXT PRIMARY KEY,
    received_at      TIMESTAMP NOT NULL,
    channel          TEXT,
    category         TEXT,
    subcategory      TEXT,
    source           TEXT CHECK (source IN ('citizen', 'proactive')),
    unit_id          TEXT,
    dept_id          TEXT,
    lat              DOUBLE,
    lon              DOUBLE,
    -- how unit_id was found: point in polygon, from names/ids, neither (the city), a default
    -- coordinate, or a point outside every boundary (DESIGN §3)
    location_status  TEXT CHECK (location_status IN ('point', 'named', 'unplaced', 'placeholder', 'outside')),
    urgency          TEXT CHECK (urgency IN ('urgent', 'normal')),
    respond_by       TIMESTAMP,
    resolve_by       TIMESTAMP,
    first_contact_at TIMESTAMP,
    closed_at        TIMESTAMP,
    status           TEXT CHECK (status IN ('open', 'closed')),
    status_detail    TEXT,
    returned_count   INTEGER DEFAULT 0,
    extended         BOOLEAN DEFAULT false,
    is_repeat        BOOLEAN DEFAULT false,
    assessable       BOOLEAN NOT NULL DEFAULT true,
    exclusion_reason TEXT,
    visited          BOOLEAN,
    contacted        BOOLEAN,
    resolved         BOOLEAN,
    satisfaction     TEXT CHECK (satisfaction IN ('satisfied', 'basic', 'unsatisfied')),
    description      TEXT,
    address          TEXT,
    citizen_name     TEXT,
    citizen_phone    TEXT,
    import_id        TEXT
);

CREATE TABLE IF NOT EXISTS imports (
    import_id   TEXT PRIMARY KEY,
    file        TEXT,
    sha256      TEXT,
    kind        TEXT,              -- demo / import / boundaries
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    rows_read      BIGINT,
    rows_inserted  BIGINT,
    rows_updated   BIGINT,
    rows_unchanged BIGINT,
    rows_rejected  BIGINT,
    warnings       BIGINT,
    note        TEXT
);

CREATE TABLE IF NOT EXISTS rejects (
    import_id TEXT NOT NULL,
    row_number BIGINT NOT NULL,
    raw       TEXT,                -- the original row as JSON
    reasons   TEXT NOT NULL        -- '; '-separated, each naming the field
);

-- Field coverage per import: which of our columns the source supplied, and how many rows had a value.
CREATE TABLE IF NOT EXISTS import_fields (
    import_id       TEXT NOT NULL,
    field           TEXT NOT NULL,     -- our column (request_id, received_at, ..., unit, dept)
    source_column   TEXT,              -- the source header (or headers, ' / '-joined); NULL for a constant
    rows_with_value BIGINT NOT NULL,   -- rows read with a non-empty value
    rows_read       BIGINT NOT NULL,
    PRIMARY KEY (import_id, field)
);
