"""Admin REST API (`/api/v1`), authenticated with an environment's secret key."""
