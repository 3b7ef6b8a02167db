"""refresher reminders (once per training record and threshold) and managers' weekly digests (opt-out, fingerprint)

Revision ID: 7c1d2e3f4a50
Revises: 7c1d9e3a5b20
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import tracker.common.types

# revision identifiers, used by Alembic.
revision = '7c1d2e3f4a50'
down_revision = '7c1d9e3a5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'refresher_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('training_record_id', sa.Integer(), nullable=False),
        sa.Column('threshold_days', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('sent_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_refresher_reminder_course_id_course')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_refresher_reminder_person_id_person')),
        sa.ForeignKeyConstraint(
            ['training_record_id'],
            ['training_record.id'],
            name=op.f('fk_refresher_reminder_training_record_id_training_record'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refresher_reminder')),
        sa.UniqueConstraint(
            'training_record_id', 'threshold_days', name=op.f('uq_refresher_reminder_training_record_id_threshold_days')
        ),
    )
    with op.batch_alter_table('refresher_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresher_reminder_person_id'), ['person_id'], unique=False)

    op.create_table(
        'manager_digest',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('opted_out', sa.Boolean(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=True),
        sa.Column('last_sent_at', tracker.common.types.UTCDateTime(), nullable=True),
        sa.Column('updated_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_manager_digest_person_id_person')),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_manager_digest')),
    )


def downgrade():
    op.drop_table('manager_digest')
    with op.batch_alter_table('refresher_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresher_reminder_person_id'))
    op.drop_table('refresher_reminder')
