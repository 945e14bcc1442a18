"""The glossary page (component ids start with "glossary-"): text only, nothing to wire."""
from layouts import glossary as view


def page(search="", **_kwargs):
    return view.layout()


def register(app):
    """The glossary has no callbacks; the router shows its page."""
