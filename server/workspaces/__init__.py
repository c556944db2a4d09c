"""Workspaces and environments: creation, keys, origins, settings."""
