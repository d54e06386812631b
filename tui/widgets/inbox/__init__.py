"""Widgets: inbox."""
