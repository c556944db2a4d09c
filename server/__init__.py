"""Shirube: self-hostable in-app onboarding and guidance."""

__version__ = "0.1.0"
