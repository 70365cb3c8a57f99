"""Backups of a deployment (database and stored files) and their verified restore
(004 Art. 8.8, 13.3): ``motcua backup`` and ``motcua restore``."""

from motcua.core.backup.archive import BackupError, create_backup, prune_backups
from motcua.core.backup.digest import data_digest
from motcua.core.backup.restore import restore_backup

__all__ = ["BackupError", "create_backup", "data_digest", "prune_backups", "restore_backup"]
