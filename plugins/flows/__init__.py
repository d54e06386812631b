"""Default plugins that offer shop binding flows to ``crossdesk shops add`` (docs/onboarding.md)."""
