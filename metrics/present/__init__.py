"""Layer 5b, what pages and the wall compute: page view-models, KPI tiles, the wall's panels, map
geometry and colours, drill rows and assessment frames. Pure functions of (connection, viewer,
filters) that views/ draw; no streamlit here. May import every layer below, and export for labels."""
