"""Callbacks of the brands view (component ids start with "brands-")."""


def register(app):
    pass
