"""JSON API (FastAPI): JWT auth, owner-scoped resources, analytics from persisted history."""
