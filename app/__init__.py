"""The meeting web app (Reflex): pages, routes and HTTP endpoints."""
