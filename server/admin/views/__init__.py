"""Admin views, one module per resource; each has `register(site)`."""
