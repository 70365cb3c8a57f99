"""The audit trail (004 Art. 9.3): logins, failed logins, views of personal data and
changes, kept in a hash chain that ``motcua audit verify`` checks."""

from motcua.core.audit.chain import VerifyResult, append, verify

__all__ = ["VerifyResult", "append", "verify"]
