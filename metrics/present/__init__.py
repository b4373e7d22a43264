"""Layer 5b, what pages and the wall compute: page view-models, KPI tiles, the wall's panels, map
geometry and colours, drill rows and assessment frames. Pure functions of (connection, viewer,
filters) that views/ draw; no streamlit here. Scheme parameters are passed on explicitly: the
scheme's own, or for pages that score with no scheme common.PAGE_CREDIT (the registry's default).
Static SQL in sql/. May import every layer below, and export for labels."""
