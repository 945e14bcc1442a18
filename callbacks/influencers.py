"""Callbacks of the influencers view (component ids start with "influencers-")."""


def register(app):
    pass
