"""registry records of fees, deposits, Category 3 permits, past-due balances, CPR and kitchen applications

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:15:00

Every new column is optional or has a default, so existing rows keep their meaning.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('past_due_balance', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cat3_permit', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('registry_keys', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('facility_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facility_type', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('regular_use', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('deposit_received', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('cpr_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('kitchen_application_approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('registry_keys', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('fee', sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('facility_requests', schema=None) as batch_op:
        for name in ('fee', 'registry_keys', 'kitchen_application_approved_on', 'cpr_required',
                     'deposit_received', 'regular_use', 'facility_type'):
            batch_op.drop_column(name)
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        for name in ('registry_keys', 'cat3_permit', 'past_due_balance'):
            batch_op.drop_column(name)
