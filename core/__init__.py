"""The motcua core: dossiers, accounts, units, procedures, routing, deadlines, sync."""

from motcua.core.app import create_app

__all__ = ["create_app"]
