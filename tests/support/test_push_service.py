"""The push-service stand-in accepts what real pywebpush sends and refuses what a strict
push service refuses (RFC 8030, 8291, 8292)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid, Vapid01
from py_vapid.jwt import sign as sign_jwt
from pywebpush import WebPusher, WebPushException, webpush

from tests.support.push_service import PushServiceStandIn, SubscriberKeys, b64url

SUB = "mailto:ops@townhub.test"


@pytest.fixture
def service() -> Iterator[PushServiceStandIn]:
    with PushServiceStandIn() as running:
        yield running


@pytest.fixture
def vapid() -> Vapid:
    key = Vapid()
    key.generate_keys()
    return key


def public_key(vapid: Vapid) -> str:
    return b64url(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def send(sub: dict[str, Any], vapid: Vapid | str, data: str = "hi", **kw: Any) -> int:
    """webpush() as the app calls it, with a fresh claims dict; returns the status."""
    try:
        response = webpush(sub, data, vapid, {"sub": SUB}, ttl=60, timeout=5, **kw)
    except WebPushException as exc:
        assert exc.response is not None, exc
        return int(exc.response.status_code)
    return int(response.status_code)


def post(
    sub: dict[str, Any],
    vapid: Vapid,
    claims: dict[str, Any] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    """A hand-built push: claims signed without py_vapid's own checks, any headers."""
    claims = {
        "aud": sub["endpoint"].split("/push/")[0],
        "exp": int(time.time()) + 3600,
        "sub": SUB,
    } | (claims or {})
    if body is None:
        body = WebPusher(sub).encode(b"hello")["body"]
    sent = {
        "TTL": "60",
        "Content-Encoding": "aes128gcm",
        "Authorization": f"vapid t={sign_jwt(claims, vapid.private_key)}, k={public_key(vapid)}",
    } | (headers or {})
    return requests.post(sub["endpoint"], data=body, headers=sent, timeout=5).status_code


@pytest.mark.parametrize("key_form", ["Vapid instance", "raw private key string"])
def test_real_webpush_is_received_and_decrypted(
    service: PushServiceStandIn, vapid: Vapid, key_form: str
) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    key: Vapid | str = vapid if key_form == "Vapid instance" else b64url(raw)
    payload = json.dumps({"title": "Roadworks on High Street", "url": "/roadworks/7"})
    headers = {"Urgency": "high", "Topic": "roadworks-7"}

    assert send(sub, key, payload, headers=headers) == 201

    [message] = service.wait_for(1)
    assert message.payload == payload.encode()
    assert message.json()["url"] == "/roadworks/7"
    assert message.endpoint_token == sub["endpoint"].rsplit("/", 1)[1]
    assert message.vapid_public_key == public_key(vapid)
    assert message.claims["aud"] == service.origin
    assert message.claims["sub"] == SUB
    assert time.time() < message.claims["exp"] <= time.time() + 24 * 3600
    assert message.headers["TTL"] == "60"
    assert message.headers["urgency"] == "high"
    assert message.headers["Content-Encoding"] == "aes128gcm"
    assert service.rejected == []


def test_draft_vapid_scheme_from_a_vapid01_instance_is_refused(
    service: PushServiceStandIn,
) -> None:
    """pywebpush signs with whatever class it is given: Vapid01 sends the pre-RFC 8292
    `WebPush <jwt>` + Crypto-Key form, which RFC 8292 push services refuse."""
    old = Vapid01()
    old.generate_keys()
    sub = service.subscription(SubscriberKeys.generate())
    assert send(sub, old) == 401
    assert "scheme" in service.rejected[0][1]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "https://fcm.googleapis.com"}, "aud"),
        ({"exp": int(time.time()) - 60}, "not in the future"),
        ({"exp": int(time.time()) + 25 * 3600}, "24 hours"),
        ({"sub": "ops@townhub.test"}, "sub"),
        ({"sub": "http://townhub.test"}, "sub"),
    ],
)
def test_bad_vapid_claims_are_refused(
    service: PushServiceStandIn, vapid: Vapid, claims: dict[str, Any], reason: str
) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    assert post(sub, vapid, claims) == 401
    [(_, why)] = service.rejected
    assert reason in why
    assert service.received == []


def test_wrong_aud_from_webpush_is_refused(service: PushServiceStandIn, vapid: Vapid) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    claims: dict[str, str | int] = {"sub": SUB, "aud": "https://updates.push.services.mozilla.com"}
    with pytest.raises(WebPushException) as raised:
        webpush(sub, "hi", vapid, claims, timeout=5)
    assert raised.value.response is not None
    assert raised.value.response.status_code == 401


def test_forged_signature_and_other_key_are_refused(
    service: PushServiceStandIn, vapid: Vapid
) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    other = Vapid()
    other.generate_keys()
    forged = f"vapid t={sign_jwt({'sub': SUB}, other.private_key)}, k={public_key(vapid)}"
    assert post(sub, vapid, headers={"Authorization": forged}) == 401
    assert post(sub, vapid) == 201  # pins this subscription to `vapid`
    assert post(sub, other) == 403
    assert service.rejected[0][1].startswith("JWT signature does not verify")


def test_unknown_endpoint_is_404(service: PushServiceStandIn, vapid: Vapid) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    stranger = sub | {"endpoint": f"{service.origin}/push/not-issued"}
    assert send(stranger, vapid) == 404
    assert service.rejected[0][0] == "not-issued"
    assert requests.get(sub["endpoint"], timeout=5).status_code == 405


def test_tampered_body_is_400(service: PushServiceStandIn, vapid: Vapid) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    body = bytearray(WebPusher(sub).encode(b"hello")["body"])
    body[-1] ^= 0x01
    assert post(sub, vapid, body=bytes(body)) == 400
    assert "decrypt" in service.rejected[0][1]


def test_body_for_another_subscriber_is_400(service: PushServiceStandIn, vapid: Vapid) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    elsewhere = service.subscription(SubscriberKeys.generate())
    assert post(sub, vapid, body=WebPusher(elsewhere).encode(b"hello")["body"]) == 400


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"TTL": "soon"}, 400),
        ({"TTL": "-1"}, 400),
        ({"Urgency": "urgent"}, 400),
        ({"Topic": "has spaces"}, 400),
        ({"Content-Encoding": "aesgcm"}, 415),
        ({"Authorization": "WebPush abc"}, 401),
        ({"Authorization": "vapid t=a.b.c, k=xyz"}, 401),
    ],
)
def test_bad_headers_are_refused(
    service: PushServiceStandIn, vapid: Vapid, headers: dict[str, str], status: int
) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    assert post(sub, vapid, headers=headers) == status
    assert len(service.rejected) == 1


def test_missing_ttl_is_refused(service: PushServiceStandIn, vapid: Vapid) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    body = WebPusher(sub).encode(b"hello")["body"]
    auth = Vapid.sign(vapid, {"sub": SUB, "aud": service.origin})["Authorization"]
    headers = {"Content-Encoding": "aes128gcm", "Authorization": auth}
    assert requests.post(sub["endpoint"], data=body, headers=headers, timeout=5).status_code == 400


def test_oversize_body_is_413(service: PushServiceStandIn, vapid: Vapid) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    assert send(sub, vapid, "x" * 3900) == 201  # still fits one 4096-byte record
    assert send(sub, vapid, "x" * 5000) == 413
    assert "more than 4096" in service.rejected[0][1]


def test_scripted_responses_reach_the_sender_in_order(
    service: PushServiceStandIn, vapid: Vapid
) -> None:
    one = service.subscription(SubscriberKeys.generate())
    two = service.subscription(SubscriberKeys.generate())
    token_two = two["endpoint"].rsplit("/", 1)[1]
    service.respond_with(None, 410)
    service.respond_with(token_two, 429, {"Retry-After": "1"})

    assert send(one, vapid) == 410
    with pytest.raises(WebPushException) as raised:
        webpush(two, "hi", vapid, {"sub": SUB}, timeout=5)
    assert raised.value.response is not None
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert send(one, vapid) == 201  # script used up: back to 201 Created

    assert [status for _, status in service.rejected] == ["scripted 410", "scripted 429"]
    assert len(service.received) == 1


def test_wait_for_times_out_with_what_it_saw(service: PushServiceStandIn, vapid: Vapid) -> None:
    sub = service.subscription(SubscriberKeys.generate())
    post(sub, vapid, {"sub": "nobody"})
    with pytest.raises(AssertionError, match=r"expected 1 push\(es\) within 0.2s, got 0.*sub"):
        service.wait_for(1, timeout=0.2)
