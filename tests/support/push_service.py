"""A local, strict Web Push push service for tests.

`PushServiceStandIn` runs a ThreadingHTTPServer on 127.0.0.1 (a free port, daemon
thread) and issues browser-shaped subscriptions (`PushSubscription.toJSON()`) whose
endpoints point at it. Code under test sends to them with pywebpush exactly as it
would to FCM or Mozilla autopush, and the test reads back what a browser would see.

It refuses what a real push service refuses, so a sender that passes here is not
merely talking to a sink:

* RFC 8030: only POST /push/<token> for a token it issued (else 404, or 405 for
  another method); a `TTL` header holding a non-negative integer; `Urgency`, if
  present, one of very-low|low|normal|high; `Topic`, if present, at most 32
  base64url characters; a body of at most 4096 bytes (else 413).
* RFC 8291: a non-empty body must be `Content-Encoding: aes128gcm` (else 415) and
  must decrypt with the subscriber's private key and auth secret (else 400).
* RFC 8292: `Authorization: vapid t=<JWT>, k=<uncompressed P-256 key>`; the ES256
  signature must verify against k, `aud` must be this service's origin, `exp` must
  be in the future and at most 24 hours ahead, `sub` must be a mailto: or https: URI
  (else 401). The first key seen per subscription is pinned, as browsers pin the
  applicationServerKey: a later push signed with another key gets 403.

Every refusal is recorded in `rejected` with its reason. Accepted pushes get
201 Created with a Location, unless `respond_with` scripted another answer; a
scripted answer is only served to an otherwise valid push (so the sender is still
checked), and a scripted status of 300 or more counts as a refusal.

Like a real push service it holds accepted messages for the browser: `inbox(token)` is
what the browser would get when it next connects. A push whose `Topic` matches a held
message replaces it (RFC 8030 section 5.4). `delay` makes every answer slow, and
`hang` makes the service accept connections and never answer.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from requests.structures import CaseInsensitiveDict

MAX_BODY = 4096
MAX_EXP_AHEAD = 24 * 60 * 60
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SubscriberKeys:
    """What a browser keeps for one subscription: a P-256 key pair and an auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def generate(cls) -> SubscriberKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass(frozen=True)
class ReceivedPush:
    endpoint_token: str
    payload: bytes
    headers: CaseInsensitiveDict[str]  # lookups ignore case, as HTTP header names do
    vapid_public_key: str
    claims: dict[str, Any]

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class _Subscription:
    keys: SubscriberKeys
    pinned_key: str | None = None


@dataclass(frozen=True)
class _Scripted:
    token: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def verify_vapid(authorization: str, origin: str) -> tuple[str, dict[str, Any]]:
    """Check an RFC 8292 `vapid t=..., k=...` header; return (k, claims) or raise Refused."""
    scheme, _, params = authorization.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(401, f"Authorization scheme must be 'vapid', got {scheme!r}")
    fields = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    token, key = fields.get("t", ""), fields.get("k", "")
    if not token or not key:
        raise Refused(401, "Authorization must carry both t= and k=")
    try:
        point = unb64url(key)
        if len(point) != 65 or point[0] != 4:
            raise Refused(401, "k is not an uncompressed P-256 point")
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        head, body, sig = token.split(".")
        if json.loads(unb64url(head)).get("alg") != "ES256":
            raise Refused(401, "JWT alg must be ES256")
        raw = unb64url(sig)
        if len(raw) != 64:
            raise Refused(401, "JWT signature must be raw r||s, 64 bytes")
        der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        public_key.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(unb64url(body))
    except InvalidSignature:
        raise Refused(401, "JWT signature does not verify against k") from None
    except (ValueError, AttributeError) as exc:  # bad base64, JSON, point or part count
        raise Refused(401, f"malformed VAPID token: {exc}") from None
    if not isinstance(claims, dict):
        raise Refused(401, "JWT claims are not an object")
    if claims.get("aud") != origin:
        raise Refused(401, f"aud {claims.get('aud')!r} is not {origin!r}")
    exp, now = claims.get("exp"), time.time()
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp <= now:
        raise Refused(401, f"exp {exp!r} is missing or not in the future")
    if exp > now + MAX_EXP_AHEAD:
        raise Refused(401, f"exp {exp} is more than 24 hours ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise Refused(401, f"sub {sub!r} is not a mailto: or https: URI")
    return key, claims


class PushServiceStandIn:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._subscriptions: dict[str, _Subscription] = {}
        self._script: list[_Scripted] = []
        self._received: list[ReceivedPush] = []
        self._rejected: list[tuple[str, str]] = []
        self._inbox: dict[str, dict[str, ReceivedPush]] = {}
        self.delay = 0.0
        self.hang = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stand_in = self
        self._released = threading.Event()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> PushServiceStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.hang.clear()
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def subscription(self, keys: SubscriberKeys) -> dict[str, Any]:
        """A new subscription, shaped like the browser's PushSubscription.toJSON()."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._subscriptions[token] = _Subscription(keys)
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "expirationTime": None,
            "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
        }

    def respond_with(
        self, token: str | None, status: int, headers: Mapping[str, str] | None = None
    ) -> None:
        """Queue an answer for the next valid push to `token` (None: to any endpoint)."""
        with self._lock:
            self._script.append(_Scripted(token, status, dict(headers or {})))

    @property
    def received(self) -> list[ReceivedPush]:
        with self._lock:
            return list(self._received)

    @property
    def rejected(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._rejected)

    def inbox(self, token: str) -> list[ReceivedPush]:
        """The messages held for a subscription's browser, one per Topic."""
        with self._lock:
            return list(self._inbox.get(token, {}).values())

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedPush]:
        """Block until at least `count` pushes were accepted; return all accepted so far."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._received) >= count, timeout):
                raise AssertionError(
                    f"expected {count} push(es) within {timeout}s, got {len(self._received)};"
                    f" rejected: {self._rejected or 'none'}"
                )
            return list(self._received)

    def handle(
        self, method: str, path: str, headers: CaseInsensitiveDict[str], body: bytes | None
    ) -> tuple[int, dict[str, str]]:
        """Judge one request; record it; return the status and response headers."""
        token = path.removeprefix("/push/")
        if self.hang.is_set():
            self._released.wait(60)  # a service that never answers, until the test ends
        if self.delay:
            time.sleep(self.delay)
        try:
            push = self._check(method, token, path, headers, body)
        except Refused as refusal:
            with self._lock:
                self._rejected.append((token, refusal.reason))
            return refusal.status, {"Allow": "POST"} if refusal.status == 405 else {}
        with self._lock:
            script = next((s for s in self._script if s.token in (None, token)), None)
            if script is not None:
                self._script.remove(script)
            status = script.status if script else 201
            if status >= 300:
                self._rejected.append((token, f"scripted {status}"))
            else:
                self._received.append(push)
                held = self._inbox.setdefault(token, {})
                held[push.headers.get("Topic") or uuid.uuid4().hex] = push
                self._lock.notify_all()
        location = f"{self.origin}/message/{uuid.uuid4().hex}"
        answer = {"Location": location, "TTL": headers["TTL"]} if status < 300 else {}
        return status, answer | (script.headers if script else {})

    def _check(
        self,
        method: str,
        token: str,
        path: str,
        headers: CaseInsensitiveDict[str],
        body: bytes | None,
    ) -> ReceivedPush:
        with self._lock:
            sub = self._subscriptions.get(token) if path.startswith("/push/") else None
        if sub is None:
            raise Refused(404, f"no such subscription: {path}")
        if method != "POST":
            raise Refused(405, f"{method} is not allowed, only POST")
        if body is None:
            raise Refused(411, "Content-Length is required")
        if len(body) > MAX_BODY:
            raise Refused(413, f"body is {len(body)} bytes, more than {MAX_BODY}")
        if not re.fullmatch(r"\d+", headers.get("TTL", "")):
            raise Refused(400, f"TTL header must be a non-negative integer: {headers.get('TTL')!r}")
        if headers.get("Urgency", "normal") not in URGENCIES:
            raise Refused(400, f"bad Urgency {headers['Urgency']!r}")
        if "Topic" in headers and not TOPIC.fullmatch(headers["Topic"]):
            raise Refused(400, f"bad Topic {headers['Topic']!r}")
        if body and headers.get("Content-Encoding") != "aes128gcm":
            raise Refused(
                415, f"Content-Encoding must be aes128gcm: {headers.get('Content-Encoding')!r}"
            )
        key, claims = verify_vapid(headers.get("Authorization", ""), self.origin)
        with self._lock:
            sub.pinned_key = sub.pinned_key or key
            if sub.pinned_key != key:
                raise Refused(403, "VAPID key differs from the one this subscription uses")
        if not body:  # RFC 8030 allows a push without payload
            return ReceivedPush(token, b"", headers, key, claims)
        try:
            keys = sub.keys
            payload: bytes = http_ece.decrypt(
                body,
                private_key=keys.private_key,
                auth_secret=keys.auth_secret,
                version="aes128gcm",
            )
        except Exception as exc:
            raise Refused(400, f"body does not decrypt: {exc!r}") from None
        return ReceivedPush(token, payload, headers, key, claims)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Several workers open dozens of connections at once; the default backlog of 5 resets
    # some, as a real push service would not.
    request_queue_size = 128
    stand_in: PushServiceStandIn


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        body = self.rfile.read(int(length)) if length.isdigit() else None
        headers = CaseInsensitiveDict(dict(self.headers.items()))
        stand_in = cast(_Server, self.server).stand_in
        status, answer = stand_in.handle(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in answer.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet; refusals are in `rejected`
