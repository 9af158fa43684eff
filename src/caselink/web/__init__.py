"""Web pages: server-rendered Jinja2 templates (autoescaped) plus a little JavaScript.

Every asset is served from ``static/`` in this package (Leaflet, world-atlas and topojson-client
are vendored with their licences), so the UI works with no internet. The Content-Security-Policy
allows no inline script or style.
"""
