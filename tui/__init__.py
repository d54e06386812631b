"""The agent TUI (Textual)."""
