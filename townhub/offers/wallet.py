"""The offers a resident saved or used, kept in cookies on their own phone.

The server never stores these lists: it reads them to show "saved" and the redemption
code, and counts only the daily totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Request
from werkzeug.wrappers import Response

SAVED_COOKIE = "saved_offers"
REDEEMED_COOKIE = "redeemed_offers"
MAX_KEPT = 50
ONE_YEAR = 365 * 24 * 3600


def _ids(text: str | None) -> list[int]:
    ids = []
    for part in (text or "").split("."):
        if part.isdigit() and len(part) < 10:
            ids.append(int(part))
    return ids[-MAX_KEPT:]


def _added(ids: list[int], offer_id: int) -> tuple[list[int], bool]:
    """The list with the offer at its end (the oldest dropped past MAX_KEPT), and whether
    it was new."""
    if offer_id in ids:
        return ids, False
    return [*ids, offer_id][-MAX_KEPT:], True


@dataclass
class Wallet:
    saved: list[int] = field(default_factory=list)
    redeemed: list[int] = field(default_factory=list)
    secure: bool = False

    @classmethod
    def from_request(cls, request: Request) -> Wallet:
        return cls(
            _ids(request.cookies.get(SAVED_COOKIE)),
            _ids(request.cookies.get(REDEEMED_COOKIE)),
            request.is_secure,
        )

    def has_saved(self, offer_id: int) -> bool:
        return offer_id in self.saved

    def has_redeemed(self, offer_id: int) -> bool:
        return offer_id in self.redeemed

    def save(self, offer_id: int) -> bool:
        """Add the offer; False when it was already saved (so it is counted once)."""
        self.saved, added = _added(self.saved, offer_id)
        return added

    def unsave(self, offer_id: int) -> None:
        self.saved = [i for i in self.saved if i != offer_id]

    def redeem(self, offer_id: int) -> bool:
        """Mark the offer used; False when this phone had used it already."""
        self.redeemed, added = _added(self.redeemed, offer_id)
        return added

    def write(self, response: Response) -> None:
        for name, ids in ((SAVED_COOKIE, self.saved), (REDEEMED_COOKIE, self.redeemed)):
            response.set_cookie(
                name,
                ".".join(str(i) for i in ids),
                max_age=ONE_YEAR,
                secure=self.secure,
                httponly=True,
                samesite="Lax",
            )
