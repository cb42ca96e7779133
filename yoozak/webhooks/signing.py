"""Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature)."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """Return a fresh signing secret: "whsec_" and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def mask_secret(secret: str | None) -> str:
    """Return the secret with all but its first characters hidden."""
    if not secret:
        return ""
    return secret[: len(SECRET_PREFIX) + 4] + "…" + "•" * 8


def signed_headers(secret: str, message_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    """Return the headers that sign `body`: id, timestamp (seconds) and v1 HMAC-SHA256 signature."""
    at = at or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "Yoozak-Webhooks/1",
    }
