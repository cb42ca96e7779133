"""Webhooks to an external CRM: a transactional outbox, signed deliveries, retries in order.

See outbox.py (what is emitted, when), delivery.py (how it is delivered) and the README.
"""

from ..models.webhooks import EVENT_TYPES
from .outbox import emit_for_ids, emit_order_linked_for_run

__all__ = ["EVENT_TYPES", "emit_for_ids", "emit_order_linked_for_run"]
