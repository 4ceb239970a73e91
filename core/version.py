"""The app's version (stored with feedback and shown in bug reports)."""

APP_VERSION = "0.3.0"
