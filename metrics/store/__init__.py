"""Layer 2, the DuckDB store: immutable snapshots published by an atomic rename, the schema and
closure-table SQL (sql/), read-only opening, history and rollback, and the roll-up tables rebuilt
after each write. May import core only."""
