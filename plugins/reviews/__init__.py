"""Default reviews-app plugins: a shop's reviews kept by an app rather than the platform (docs/reputation.md)."""
