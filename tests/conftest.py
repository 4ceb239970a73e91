"""Shared test configuration: the project root is importable (see pyproject)."""
