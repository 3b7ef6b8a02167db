"""outbox worker heartbeat: each running `outbox work` keeps a row with its last beat, which /readyz and
`outbox status` read to tell a silent worker

Revision ID: 9d3c5b7e1a42
Revises: 5e1f0a7c2b31
Create Date: 2026-12-04 19:00:00

"""
import sqlalchemy as sa
from alembic import op

import tracker.common.types

# revision identifiers, used by Alembic.
revision = '9d3c5b7e1a42'
down_revision = '5e1f0a7c2b31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'worker_heartbeat',
        sa.Column('worker_id', sa.String(length=100), nullable=False),
        sa.Column('hostname', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.Column('beat_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_heartbeat')),
    )
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeat_beat_at'), ['beat_at'], unique=False)


def downgrade():
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeat_beat_at'))
    op.drop_table('worker_heartbeat')
