"""Delivery only: recipients, messages, links and idempotency keys. It knows nothing of cases."""
