"""Public dossier lookup by code (004 Art. 5): website and JSON API."""
