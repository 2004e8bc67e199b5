"""Notices: posted by a hub's managers, shown on the hub, alerted to residents who chose
notices."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from townhub.accounts.models import User
from townhub.common.days import at_london
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.service import enqueue
from townhub.notices.models import Notice


class NoticeNotFound(LookupError):
    pass


def publish_notice(
    author: User, hub: Hub, *, title: str, body: str, first_day: date, last_day: date
) -> Notice:
    """Publish a notice for the whole of its first to its last day (London), and queue its
    alert for when it starts. The caller checks the author may manage the hub. Commits."""
    notice = Notice(
        hub_id=hub.id,
        author_id=author.id,
        title=title,
        body=body,
        starts_at=at_london(first_day),
        ends_at=at_london(last_day + timedelta(days=1)),
        status="published",
    )
    db.session.add(notice)
    db.session.flush()
    enqueue(
        "push_item", {"kind": "notice", "id": notice.id}, run_at=max(notice.starts_at, utcnow())
    )
    db.session.commit()
    return notice


def current_notices(hub: Hub, now: datetime | None = None) -> list[Notice]:
    """The hub's notices showing now, newest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Notice)
            .where(
                Notice.hub_id == hub.id,
                Notice.status == "published",
                Notice.starts_at <= now,
                Notice.ends_at > now,
            )
            .order_by(Notice.starts_at.desc(), Notice.id.desc())
        )
    )


def notice_for_resident(hub: Hub, notice_id: int) -> Notice:
    """A published notice of this hub (showing or not); raises NoticeNotFound."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.hub_id != hub.id or notice.status != "published":
        raise NoticeNotFound(notice_id)
    return notice
