"""Dash layouts: a layout(**kwargs) function per view, and small shared components."""
