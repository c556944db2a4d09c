"""Outbound webhooks: signed messages about loyalty changes, delivered from an outbox.

- signing.py: Standard-Webhooks signatures (`webhook-id`, `webhook-timestamp`,
  `webhook-signature: v1,<base64 HMAC-SHA256>`).
- outbox.py: delivery rows written in the caller's transaction (ingest, segment refresh).
- service.py: subscriptions (https-only URLs), the delivery log, retry.
- worker.py: claims due rows with a lease, POSTs them, retries with backoff over 24 h.

See docs/webhooks.md.
"""
