"""Widgets: aftersales."""
