"""Index deliveries by item, for matching, and what phones collect for the digest

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 03:32:37.754717

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("push_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_push_deliveries_item", ["item_kind", "item_id", "subscription_id"], unique=False
        )
        batch_op.create_index(
            "ix_push_deliveries_collected",
            ["subscription_id"],
            unique=False,
            postgresql_where="status = 'digest'",
        )


def downgrade():
    with op.batch_alter_table("push_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_push_deliveries_collected", postgresql_where="status = 'digest'")
        batch_op.drop_index("ix_push_deliveries_item")
