-- Watermarks of database syncs (`python -m metrics sync`): one row per source, written in the same
-- snapshot as the rows it pulled, so a killed sync leaves both as they were.
CREATE TABLE IF NOT EXISTS sync_state (
    source       TEXT PRIMARY KEY,   -- the source URL with its password redacted, '|', table or query file
    since_column TEXT,               -- NULL: every run pulls the whole source
    watermark    TEXT,               -- JSON {"type": ..., "value": ...}: the largest since_column value pulled
    last_import  TEXT,               -- imports.import_id of the last sync that wrote
    synced_at    TIMESTAMP
);
