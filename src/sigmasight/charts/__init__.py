"""Plotly figures built from the services' views, as JSON-ready dicts: shared by the
dashboard (drawn by plotly.min.js) and the reports (inlined in the tearsheet), so a
chart in a report is the chart on the page. Below the entry points, above the services.
"""
