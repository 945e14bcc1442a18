"""Dash callbacks, one module per view, each exposing register(app)."""


def register_all(app):
    from callbacks import router

    router.register(app)
