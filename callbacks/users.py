"""Callbacks of the users view (component ids start with "users-")."""


def register(app):
    pass
