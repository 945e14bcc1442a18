"""database identity: a random id on data_state that cache keys carry

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:55:00.000000
"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('data_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('database_id', sa.String(length=32), nullable=True))
    # A database that has imported already gets its id now; a new one gets it with the
    # first import (the row is created then).
    op.get_bind().execute(sa.text(
        "UPDATE data_state SET database_id = :database_id WHERE database_id IS NULL"),
        {"database_id": uuid.uuid4().hex})


def downgrade():
    with op.batch_alter_table('data_state', schema=None) as batch_op:
        batch_op.drop_column('database_id')
