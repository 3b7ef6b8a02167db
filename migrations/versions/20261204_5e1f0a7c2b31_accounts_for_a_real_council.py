"""accounts for a real council: emailed single-use links, external (OpenID Connect) identities,
and a person outside every organisation (the first coordinator of an empty database)

Revision ID: 5e1f0a7c2b31
Revises: cc689c7b2f60
Create Date: 2026-12-04 18:30:00

"""
import sqlalchemy as sa
from alembic import op

import tracker.common.types

# revision identifiers, used by Alembic.
revision = '5e1f0a7c2b31'
down_revision = 'cc689c7b2f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column(
            'purpose',
            sa.Enum(
                'password_reset', 'set_password', 'sign_in',
                name='link_purpose', native_enum=False, create_constraint=True, length=32,
            ),
            nullable=False,
        ),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.Column('used_at', tracker.common.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_account_link_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_link_token_hash')),
    )
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_link_person_id'), ['person_id'], unique=False)

    op.create_table(
        'external_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=50), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', tracker.common.types.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', tracker.common.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'], name=op.f('fk_external_identity_user_id_user_account')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identity')),
        sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_external_identity_issuer_subject')),
    )
    with op.batch_alter_table('external_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_identity_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('external_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_identity_user_id'))
    op.drop_table('external_identity')
    with op.batch_alter_table('account_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_link_person_id'))
    op.drop_table('account_link')
