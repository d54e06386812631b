"""Default plugins that add automation rule actions."""
