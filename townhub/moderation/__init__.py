"""Keeping the hub trustworthy: approvals, hiding with a reason, residents' reports, and
an audit log of every moderation action."""
