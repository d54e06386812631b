"""Widgets: conversation."""
