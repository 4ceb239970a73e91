"""Reflex configuration of the example host app."""

import reflex as rx

config = rx.Config(
    app_name="host_app",
    backend_host="127.0.0.1",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
)
