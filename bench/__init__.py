"""Performance benchmark of the meeting app (``python -m bench.run``)."""
