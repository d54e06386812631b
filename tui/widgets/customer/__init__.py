"""Widgets: customer."""
