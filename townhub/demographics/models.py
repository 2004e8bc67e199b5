from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from townhub.extensions import db

QUESTIONS = ("age_band", "postcode_district", "travel_mode")


class DemographicTally(db.Model):  # type: ignore[name-defined,misc]
    """How many residents of a hub gave one answer to one question in one month.

    This is all that is kept of a resident's answers: each answer adds one to its own
    row, so the three answers of one resident are never stored together. No time finer
    than the month, no address, no cookie, nothing else.
    """

    __tablename__ = "demographic_tallies"
    __table_args__ = (
        UniqueConstraint(
            "hub_id", "month", "question", "answer", name="uq_demographic_tallies_key"
        ),
        CheckConstraint(
            "question IN (" + ", ".join(f"'{q}'" for q in QUESTIONS) + ")", name="question"
        ),
        CheckConstraint("EXTRACT(DAY FROM month) = 1", name="month_first_day"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique key starts with it.
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month, in London
    question: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer, default=1)
