"""post-session evaluation: who was asked (once per person and session) and the answers (naming nobody)

Revision ID: e4a1b7c9d2f3
Revises: 7c1d2e3f4a50
Create Date: 2026-12-05 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import tracker.common.types

# revision identifiers, used by Alembic.
revision = 'e4a1b7c9d2f3'
down_revision = '7c1d2e3f4a50'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evaluation_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['person_id'], ['person.id'], name=op.f('fk_evaluation_invitation_person_id_person')
        ),
        sa.ForeignKeyConstraint(
            ['session_id'], ['training_session.id'], name=op.f('fk_evaluation_invitation_session_id_training_session')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_invitation')),
        sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_evaluation_invitation_session_id_person_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_evaluation_invitation_token_hash')),
    )
    with op.batch_alter_table('evaluation_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_invitation_person_id'), ['person_id'], unique=False)

    op.create_table(
        'evaluation_response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('receipt', sa.String(length=64), nullable=False),
        sa.Column('confidence_before', sa.SmallInteger(), nullable=False),
        sa.Column('confidence_after', sa.SmallInteger(), nullable=False),
        sa.Column('usefulness', sa.SmallInteger(), nullable=False),
        sa.Column('trainer_rating', sa.SmallInteger(), nullable=False),
        sa.Column('comment', sa.String(length=1000), nullable=True),
        sa.CheckConstraint(
            'confidence_before BETWEEN 1 AND 5', name=op.f('ck_evaluation_response_confidence_before_1_to_5')
        ),
        sa.CheckConstraint(
            'confidence_after BETWEEN 1 AND 5', name=op.f('ck_evaluation_response_confidence_after_1_to_5')
        ),
        sa.CheckConstraint('usefulness BETWEEN 1 AND 5', name=op.f('ck_evaluation_response_usefulness_1_to_5')),
        sa.CheckConstraint(
            'trainer_rating BETWEEN 1 AND 5', name=op.f('ck_evaluation_response_trainer_rating_1_to_5')
        ),
        sa.ForeignKeyConstraint(
            ['session_id'], ['training_session.id'], name=op.f('fk_evaluation_response_session_id_training_session')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_response')),
        sa.UniqueConstraint('receipt', name=op.f('uq_evaluation_response_receipt')),
    )
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_response_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_response_session_id'))
    op.drop_table('evaluation_response')
    with op.batch_alter_table('evaluation_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_invitation_person_id'))
    op.drop_table('evaluation_invitation')
