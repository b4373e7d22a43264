"""Layer 1, the vocabulary every other layer speaks: the metric registry, periods, filters, the
viewer and its scope (access), masking of personal data, the unit levels, the small DuckDB-only SQL
dialect layer, static-SQL file lookup and the UI/label strings (i18n). It holds the rules written
once: what "received in the period", "visited" and "closed" mean (conditions) and the unit levels.
Imports nothing from metrics/ outside core; never streamlit."""
