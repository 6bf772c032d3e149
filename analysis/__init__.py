"""Sales Target Planner domain logic and store. Never imports streamlit."""
