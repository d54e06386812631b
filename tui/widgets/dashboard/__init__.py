"""Widgets: dashboard."""
