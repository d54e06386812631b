"""Widgets of the agent TUI, in folders by area."""
