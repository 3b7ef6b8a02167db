"""outbox rows hold what a message is about (template, facts, calendar event and SEQUENCE), not its bodies:
the worker renders them when it sends

Rows written before keep their subject and status; their bodies are not kept (the Outbox page says so).
Drain the outbox (`flask outbox work --once`) before upgrading: a row still unsent is marked failed.

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
        batch_op.add_column(sa.Column('template', sa.String(length=60), nullable=False, server_default='not_kept'))
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('event', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
        batch_op.drop_column('body_text')
        batch_op.drop_column('body_html')
        batch_op.drop_column('ics')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('template', server_default=None)
        batch_op.alter_column('facts', server_default=None)
    op.execute(
        "UPDATE outbox_message SET status = 'failed', "
        "last_error = 'Written before the upgrade that stopped storing bodies: not sent' "
        "WHERE status IN ('pending', 'sending')"
    )


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_text', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ics', sa.Text(), nullable=True))
        batch_op.drop_column('sequence')
        batch_op.drop_column('event')
        batch_op.drop_column('facts')
        batch_op.drop_column('template')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('body_text', server_default=None)
        batch_op.alter_column('body_html', server_default=None)
