"""Server-rendered dashboard (Jinja2 + Plotly served from the installed package)."""
