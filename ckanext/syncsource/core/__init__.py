"""The sync engine: pure functions that decide what a harvest run writes.

Nothing here imports CKAN, ckanext-harvest, an HTTP library or a database driver; the
harvester, the CLI and the HTTP client feed it plain data and apply what it returns.
"""
