"""GridScore's domain: store, metrics, assessment, import and export. Never imports streamlit."""
