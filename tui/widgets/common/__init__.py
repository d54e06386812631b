"""Widgets: common."""
