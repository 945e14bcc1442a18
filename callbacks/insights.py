"""Callbacks of the insights view (component ids start with "insights-")."""


def register(app):
    pass
