"""Authentication helpers: API keys, identity verification, origins."""
