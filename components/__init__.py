"""Streamlit-aware shared UI: the shell (sidebar, language, as-of), cached reads, chart helpers."""
