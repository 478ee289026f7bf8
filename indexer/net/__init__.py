"""Outbound network access: which addresses a fetch may reach, checked where it connects."""
