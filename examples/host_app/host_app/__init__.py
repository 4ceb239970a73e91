"""An app of its own that has meeting rooms from the reflex-meet kit."""
