"""Buyer phrase banks, one JSON file per language (see crossdesk.demo.phrases)."""
