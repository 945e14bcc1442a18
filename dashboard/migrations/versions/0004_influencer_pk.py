"""influencer_pk: the integer link to influencers.id, so influencer_id means only the CSV key

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:30:00
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Table -> the columns after the link column in that table's index.
INDEXES = {
    'posts': ['date'],
    'orders': ['date', 'brand_id', 'campaign_id', 'orders', 'revenue'],
    'daily_facts': ['day'],
}
TABLES = ('posts', 'orders', 'payouts', 'daily_facts')


def _rename(old, new):
    for table in TABLES:
        # Indexes are dropped and made again outside the batch: SQLite can do that in place,
        # and the batch cannot build an index on a column it renames in the same batch.
        if table in INDEXES:
            op.drop_index(f'ix_{table}_{old}_{INDEXES[table][0]}', table_name=table)
        # Batch mode: SQLite copies the table with the new names; Postgres renames in place.
        # Two batches, because a batch drops a constraint made on a column it also renames.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_{old}_influencers', type_='foreignkey')
            if table == 'payouts':
                batch_op.drop_constraint(f'uq_payouts_{old}_basis', type_='unique')
            batch_op.alter_column(old, new_column_name=new)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(f'fk_{table}_{new}_influencers', 'influencers',
                                        [new], ['id'])
            if table == 'payouts':
                batch_op.create_unique_constraint(f'uq_payouts_{new}_basis', [new, 'basis'])
        if table in INDEXES:
            op.create_index(f'ix_{table}_{new}_{INDEXES[table][0]}', table,
                            [new, *INDEXES[table]], unique=False)


def upgrade():
    _rename('influencer_id', 'influencer_pk')


def downgrade():
    _rename('influencer_pk', 'influencer_id')
