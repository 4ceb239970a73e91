"""Durable records of meetings, chat, feedback and reports (SQL database).

Modules:
    settings: which database (``DATABASE_URL`` / ``REFLEX_DB_URL``); no imports
        of SQLAlchemy, so ``rxconfig.py`` can use it.
    models: the tables (SQLModel, registered with Reflex's database layer).
    db: engines, sessions and migrations (applied automatically, once).
    store: plain functions over a session that read and write the records.
    validation: pure checks of what browsers send, returning values or Problems.
    routes: the HTTP routes (mounted by ``app/api.py``).
    service: async entry points for the app's states (roster changes → meeting
        records, chat send/history, feedback); never block or raise.
"""
