"""self check-in: one check-in per booking (evidence of arrival, not attendance), and the 6-digit codes emailed to
confirm one without signing in

Revision ID: 5e2a8c1b7d90
Revises: e4a1b7c9d2f3
Create Date: 2026-12-07 14:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e2a8c1b7d90'
down_revision = 'e4a1b7c9d2f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'check_in',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column(
            'method',
            sa.Enum('signed_in', 'email_code', name='check_in_method', native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['booking_id'], ['booking.id'], name=op.f('fk_check_in_booking_id_booking'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_check_in_person_id_person')),
        sa.ForeignKeyConstraint(
            ['session_id'], ['training_session.id'], name=op.f('fk_check_in_session_id_training_session')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in')),
        sa.UniqueConstraint('booking_id', name=op.f('uq_check_in_booking_id')),
    )
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_session_id'), ['session_id'], unique=False)

    op.create_table(
        'check_in_email_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['person_id'], ['person.id'], name=op.f('fk_check_in_email_code_person_id_person'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['session_id'],
            ['training_session.id'],
            name=op.f('fk_check_in_email_code_session_id_training_session'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_email_code')),
    )
    with op.batch_alter_table('check_in_email_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_email_code_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_email_code_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('check_in_email_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_email_code_session_id'))
        batch_op.drop_index(batch_op.f('ix_check_in_email_code_person_id'))
    op.drop_table('check_in_email_code')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_session_id'))
    op.drop_table('check_in')
