"""Reports: documents made from the same services as the API and the dashboard."""
