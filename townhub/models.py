"""Every model, imported in one place for Alembic and the mapper registry."""

from townhub.accounts.models import Invite, User, business_owners, hub_managers
from townhub.alerts.models import PushDelivery, PushSubscription
from townhub.businesses.models import Business
from townhub.demographics.models import DemographicTally
from townhub.engagement.models import DailyCount
from townhub.events.models import Event
from townhub.footfall.models import FootfallCount
from townhub.hubs.models import Hub, Place
from townhub.jobs.models import Job, WorkerHeartbeat
from townhub.moderation.models import AuditEntry, Report
from townhub.notices.models import Notice
from townhub.offers.models import Offer
from townhub.roadworks.models import Roadwork
from townhub.sensors.models import Sensor, SensorQuarantine
from townhub.tracker.models import TrackedBusiness, VisitNote

__all__ = [
    "AuditEntry",
    "Business",
    "DailyCount",
    "DemographicTally",
    "Event",
    "FootfallCount",
    "Hub",
    "Invite",
    "Job",
    "Notice",
    "Offer",
    "Place",
    "PushDelivery",
    "PushSubscription",
    "Report",
    "Roadwork",
    "Sensor",
    "SensorQuarantine",
    "TrackedBusiness",
    "User",
    "VisitNote",
    "WorkerHeartbeat",
    "business_owners",
    "hub_managers",
]
