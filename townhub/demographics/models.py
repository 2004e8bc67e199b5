from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
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
        CheckConstraint(
            "question IN (" + ", ".join(f"'{q}'" for q in QUESTIONS) + ")", name="question"
        ),
        CheckConstraint("EXTRACT(DAY FROM month) = 1", name="month_first_day"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    # The key is what the count is about, and there is no running id: ids handed out in
    # order would tie together the rows one resident's answers created.
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day, in London
    question: Mapped[str] = mapped_column(String(20), primary_key=True)
    answer: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
