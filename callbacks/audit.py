"""Callbacks of the audit view (component ids start with "audit-")."""


def register(app):
    pass
