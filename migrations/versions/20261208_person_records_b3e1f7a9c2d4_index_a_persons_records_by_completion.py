"""index a person's records by completion, with their course and expiry

Coverage, demand planning and the board report ask, for each required person, "does this person hold a
valid record of the course or an equivalent on day D". Through the (course, person, ...) index PostgreSQL
descends once per course of the equivalence (two for WRAP) for every person; through (person, completed_on)
with course and expiry carried in the index it descends once and reads the person's few records from the
index alone. At the regional scale (200,000 people) that made the coverage report, its CSV, the board report
and demand planning 14-15 % faster (bench/results.md, issue 19). It replaces the plain person_id index, whose
column it leads with. SQLite has no INCLUDE: there the index is (person_id, completed_on).

Revision ID: b3e1f7a9c2d4
Revises: 5e2a8c1b7d90
Create Date: 2026-12-06 04:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3e1f7a9c2d4'
down_revision = '5e2a8c1b7d90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index('ix_training_record_person_id')
        batch_op.create_index(
            'ix_training_record_person_completed',
            ['person_id', 'completed_on'],
            unique=False,
            postgresql_include=['course_id', 'expires_on'],
        )


def downgrade():
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index('ix_training_record_person_completed')
        batch_op.create_index('ix_training_record_person_id', ['person_id'], unique=False)
