"""Sending one Web Push message with pywebpush (VAPID, aes128gcm)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

# Encrypted payloads must fit a push service's 4,096-byte limit; aes128gcm adds 103 bytes.
MAX_PAYLOAD_BYTES = 3993
REQUEST_TIMEOUT_SECONDS = 10
VAPID_HOURS = 12


@dataclass(frozen=True)
class PushResult:
    status: int | None  # None when the push service could not be reached
    detail: str
    retry_after: str | None = None


@lru_cache(maxsize=4)
def _vapid(private_pem: str) -> Vapid:
    return Vapid.from_pem(private_pem.encode())


def encode_payload(message: dict[str, Any]) -> bytes:
    """JSON for the service worker; raises ValueError if it would not fit in one push."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    if len(body) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"push payload is {len(body)} bytes, over {MAX_PAYLOAD_BYTES}")
    return body


def send(
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    payload: bytes,
    private_pem: str,
    contact: str,
    ttl: int,
    urgency: str,
    topic: str | None = None,
    timeout: float = REQUEST_TIMEOUT_SECONDS,
    session: requests.Session | None = None,
) -> PushResult:
    """Encrypt and POST one message; never raises for a push service's answer.

    `topic` lets the push service replace an undelivered earlier copy (RFC 8030 5.4).
    """
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(endpoint))
    try:
        response = webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=payload,
            vapid_private_key=_vapid(private_pem),
            # A fresh dict every time: webpush() writes aud/exp into the one it is given.
            # Signed for 12 hours: under the 24 hours push services accept.
            vapid_claims={
                "sub": contact,
                "aud": origin,
                "exp": int(time.time()) + VAPID_HOURS * 3600,
            },
            ttl=ttl,
            headers={"Urgency": urgency, **({"Topic": topic} if topic else {})},
            timeout=timeout,
            requests_session=session,
        )
    except WebPushException as error:
        answer = error.response
        if answer is None:
            return PushResult(None, str(error))
        return PushResult(answer.status_code, answer.text[:500], answer.headers.get("Retry-After"))
    except requests.RequestException as error:
        return PushResult(None, f"{type(error).__name__}: {error}")
    except ValueError as error:  # a subscription key pywebpush cannot use
        return PushResult(None, f"unusable subscription: {error}")
    status = int(getattr(response, "status_code", 0))
    return PushResult(status, "")
