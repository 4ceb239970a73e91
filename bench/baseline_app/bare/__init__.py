"""The bare baseline app of the load driver."""
