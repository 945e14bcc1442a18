"""Callbacks of the data view (component ids start with "data-")."""


def register(app):
    pass
