"""The conformance suite a plugin must pass before a province approves it (004 Art. 6)."""
