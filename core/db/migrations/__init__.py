"""Numbered schema migrations; see crossdesk.db."""
