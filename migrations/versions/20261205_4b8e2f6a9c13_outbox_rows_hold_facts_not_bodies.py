"""outbox rows hold what a message is about (template, facts, calendar event and SEQUENCE), not its bodies:
the worker renders them when it sends

Safe for a rolling upgrade: the rendered-body columns stay (nullable) for one more release, and a row written
without a template (before this release, or by an instance still running the old code during the restart) is
`stored`: the worker sends its stored bodies as they are. No row is lost. The release after drops them.

Revision ID: 4b8e2f6a9c13
Revises: 9d3c5b7e1a42
Create Date: 2026-12-05 06:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4b8e2f6a9c13'
down_revision = '9d3c5b7e1a42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=60), nullable=False, server_default='stored'))
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('event', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=True)
        batch_op.alter_column('body_html', existing_type=sa.Text(), nullable=True)


def downgrade():
    op.execute("UPDATE outbox_message SET body_text = '' WHERE body_text IS NULL")
    op.execute("UPDATE outbox_message SET body_html = '' WHERE body_html IS NULL")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('body_html', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('sequence')
        batch_op.drop_column('event')
        batch_op.drop_column('facts')
        batch_op.drop_column('template')
