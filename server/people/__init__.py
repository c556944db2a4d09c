"""End users and accounts for the admin API: listing, detail views, bulk upserts."""
