"""Enable PostGIS.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Needs a superuser the first time; a production install creates the extension as the
    # postgres user beforehand, after which this is a no-op for the app's own role.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def downgrade() -> None:
    # Leave PostGIS in place: other databases' objects and the role may depend on it.
    pass
