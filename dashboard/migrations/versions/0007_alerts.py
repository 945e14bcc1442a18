"""alerts: rules on a metric for a scope, the alerts they fired, allowed webhook addresses

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alert_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('metric', sa.String(length=30), nullable=False),
        sa.Column('scope_kind', sa.String(length=20), nullable=False),
        sa.Column('scope_value', sa.String(length=200), nullable=True),
        sa.Column('threshold', sa.Float(), nullable=True),
        sa.Column('periods', sa.Integer(), nullable=True),
        sa.Column('send_email', sa.Boolean(), nullable=False),
        sa.Column('webhook_url', sa.String(length=500), nullable=True),
        sa.Column('muted', sa.Boolean(), nullable=False),
        sa.Column('snoozed_until', sa.Date(), nullable=True),
        sa.Column('firing', sa.Boolean(), nullable=False),
        sa.Column('crossings', sa.Integer(), nullable=False),
        sa.Column('checked_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'],
                                name=op.f('fk_alert_rules_owner_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rules')),
    )
    op.create_index(op.f('ix_alert_rules_owner_id'), 'alert_rules', ['owner_id'])
    op.create_table(
        'alert_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('crossing', sa.Integer(), nullable=False),
        sa.Column('fired_at', sa.DateTime(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=1000), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('email_status', sa.String(length=20), nullable=False),
        sa.Column('email_detail', sa.String(length=500), nullable=True),
        sa.Column('webhook_status', sa.String(length=20), nullable=False),
        sa.Column('webhook_detail', sa.String(length=500), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['rule_id'], ['alert_rules.id'],
                                name=op.f('fk_alert_events_rule_id_alert_rules'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_events')),
        sa.UniqueConstraint('rule_id', 'crossing', name=op.f('uq_alert_events_rule_id_crossing')),
    )
    op.create_index(op.f('ix_alert_events_rule_id'), 'alert_events', ['rule_id'])
    op.create_table(
        'allowed_webhooks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('added_by', sa.String(length=150), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_allowed_webhooks')),
        sa.UniqueConstraint('url', name=op.f('uq_allowed_webhooks_url')),
    )


def downgrade():
    op.drop_table('allowed_webhooks')
    op.drop_index(op.f('ix_alert_events_rule_id'), table_name='alert_events')
    op.drop_table('alert_events')
    op.drop_index(op.f('ix_alert_rules_owner_id'), table_name='alert_rules')
    op.drop_table('alert_rules')
