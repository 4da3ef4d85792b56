"""every stored time is a moment with its zone (timestamp with time zone on PostgreSQL)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:10:00

The tables were declared with zones from the first migration, but a PostgreSQL database made otherwise (by
hand, by an older tool or restored from a dump of naive columns) may hold ``timestamp without time zone``
columns. Those are turned into ``timestamp with time zone``, reading each existing value as UTC (how the
pipeline has always written them). SQLite has no time-zone types: its values are UTC wall times, which the
models' UTCDateTime type reads back as UTC, so nothing changes there. Going down leaves the columns as they
are, since revision 0004 already declares them with zones.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMES: dict[str, tuple[str, ...]] = {
    'organizations': ('updated_at',),
    'facility_requests': ('checked_at', 'updated_at'),
    'documents': ('received_at', 'processed_at'),
    'findings': ('created_at',),
    'review_actions': ('at',),
    'sweep_runs': ('started_at', 'finished_at'),
    'waivers': ('created_at', 'revoked_at'),
    'notices': ('created_at', 'sent_at'),
    'file_claims': ('claimed_at', 'heartbeat_at', 'finished_at'),
    'users': ('created_at',),
    'web_sessions': ('created_at', 'expires_at'),
    'login_attempts': ('at',),
}


def upgrade() -> None:
    """Upgrade schema."""
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    naive = bind.execute(sa.text(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND data_type = 'timestamp without time zone'")).all()
    for table, column in naive:
        if column in TIMES.get(table, ()):
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" '
                       f'TYPE timestamp with time zone USING "{column}" AT TIME ZONE \'UTC\'')


def downgrade() -> None:
    """Downgrade schema: revision 0004 already declares every time with its zone; nothing to undo."""
