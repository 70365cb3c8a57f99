"""motcua plugin SDK: the only package a specialist-module plugin imports from motcua.

The hook specifications, signals and test kit arrive with the SDK issue; this package
already carries the contract's version so the core and plugins can agree on it.
"""

MOTCUA_API_VERSION = "0.1.0"

__all__ = ["MOTCUA_API_VERSION"]
