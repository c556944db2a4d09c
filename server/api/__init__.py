"""JSON HTTP APIs: `sdk` (public, publishable key) and `v1` (admin REST, secret key)."""
