"""Reflex configuration for the meeting app.

Every field can be overridden from the environment as ``REFLEX_<FIELD>``
(for example ``REFLEX_REDIS_URL`` or ``REFLEX_DB_URL``).

Database: ``DATABASE_URL`` (or Reflex's own ``REFLEX_DB_URL``, which wins),
default ``sqlite:///data/meet.db`` (relative to the project folder, created on
start). ``postgresql://`` URLs are served by psycopg 3. See :mod:`records`.
"""

import reflex as rx

from reflex_meet.app import worker_respawn
from reflex_meet.records.settings import database_url, ensure_sqlite_folder

# With several workers, one that dies (SIGKILL, out of memory) is started
# again instead of Granian shutting the whole server down (see app.worker_respawn).
worker_respawn.install()

DB_URL = database_url()
ensure_sqlite_folder(DB_URL)

config = rx.Config(
    app_name="app",
    # Local runs and tests bind to loopback only; a deployment sets
    # REFLEX_BACKEND_HOST explicitly.
    backend_host="127.0.0.1",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.sitemap.SitemapPlugin],
    db_url=DB_URL,
)
# Reflex copies REFLEX_DB_URL over db_url verbatim; keep the normalised form
# (``postgresql://`` → ``postgresql+psycopg://``).
config.db_url = DB_URL
