"""certificates of attendance: one per training record, found by its verification code; the record's id goes to
NULL when the record is deleted, which withdraws the certificate

Revision ID: c3e7a1d9f402
Revises: 4b8e2f6a9c13
Create Date: 2026-12-06 08:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3e7a1d9f402'
down_revision = '4b8e2f6a9c13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('training_record_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('completed_on', sa.Date(), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_course_id_course')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['person.id'], name=op.f('fk_certificate_issued_by_id_person')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_certificate_person_id_person')),
        sa.ForeignKeyConstraint(
            ['training_record_id'],
            ['training_record.id'],
            name=op.f('fk_certificate_training_record_id_training_record'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
        sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
        sa.UniqueConstraint('training_record_id', name=op.f('uq_certificate_training_record_id')),
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_person_id'))
    op.drop_table('certificate')
