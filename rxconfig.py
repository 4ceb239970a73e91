"""Reflex configuration for the meeting app.

Every field can be overridden from the environment as ``REFLEX_<FIELD>``
(for example ``REFLEX_REDIS_URL`` or ``REFLEX_DB_URL``).
"""

import reflex as rx

config = rx.Config(
    app_name="app",
    # Local runs and tests bind to loopback only; a deployment sets
    # REFLEX_BACKEND_HOST explicitly.
    backend_host="127.0.0.1",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
)
