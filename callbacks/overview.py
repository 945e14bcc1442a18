"""Callbacks of the overview view (component ids start with "overview-")."""


def register(app):
    pass
