"""seat quotas: places of a session held for named organisations until a release date

Revision ID: 7c1d9e3a5b20
Revises: c3e7a1d9f402
Create Date: 2026-12-05 08:40:00

"""
import sqlalchemy as sa
from alembic import op

import tracker.common.types

# revision identifiers, used by Alembic.
revision = '7c1d9e3a5b20'
down_revision = 'c3e7a1d9f402'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'seat_quota',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.Column('released_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.Column('release_done_at', tracker.common.types.UTCDateTime(), nullable=True),
        sa.Column('created_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint('places > 0', name=op.f('ck_seat_quota_places_positive')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_seat_quota_organisation_id_organisation')),
        sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], name=op.f('fk_seat_quota_session_id_training_session'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_quota')),
        sa.UniqueConstraint('session_id', 'organisation_id', name=op.f('uq_seat_quota_session_id_organisation_id')),
    )
    with op.batch_alter_table('seat_quota', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_quota_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('seat_quota', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seat_quota_session_id'))
    op.drop_table('seat_quota')
