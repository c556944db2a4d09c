"""Delivering guides to the SDK: the per-environment cache and the bootstrap service."""
