"""Dossier lookup and notifications by SMS (004 Art. 5)."""
