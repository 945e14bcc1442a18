"""Callbacks of the roi view (component ids start with "roi-")."""


def register(app):
    pass
