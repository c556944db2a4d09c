"""Event intake: validation, dedupe on (environment, uuid), batched writes, guide state."""
