"""Use cases shared by the API, the web dashboard, the CLI and reports."""
