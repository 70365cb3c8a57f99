"""sync: node outbox batches, hub node registry, hub read model, hand-offs

Revision ID: 0001_sync
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001_sync'
down_revision = '0001_core'
branch_labels = ('sync',)
depends_on = None


def upgrade() -> None:
    op.create_table('hub_dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('owner_node', sa.String(length=64), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('received_day', sa.Date(), nullable=False),
    sa.Column('procedure_code', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('applicant_name', sa.String(length=160), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('holder_unit_code', sa.String(length=40), nullable=True),
    sa.Column('holder_account', sa.String(length=160), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('plugin_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_dossiers')),
    sa.UniqueConstraint('code', name=op.f('uq_hub_dossiers_code'))
    )
    with op.batch_alter_table('hub_dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hub_dossiers_owner_node'), ['owner_node'], unique=False)
        batch_op.create_index(batch_op.f('ix_hub_dossiers_status'), ['status'], unique=False)
        batch_op.create_index('ix_hub_dossiers_unit_day', ['unit_code', 'received_day'], unique=False)

    op.create_table('sync_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('first_outbox_id', sa.BigInteger(), nullable=False),
    sa.Column('last_outbox_id', sa.BigInteger(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.Column('acked_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_batches')),
    sa.UniqueConstraint('node_id', 'sequence', name=op.f('uq_sync_batches_node_id_sequence'))
    )
    with op.batch_alter_table('sync_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_batches_acked_at'), ['acked_at'], unique=False)

    op.create_table('sync_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_code', sa.String(length=60), nullable=False),
    sa.Column('event_sequence', sa.Integer(), nullable=False),
    sa.Column('from_node', sa.String(length=64), nullable=False),
    sa.Column('to_node', sa.String(length=64), nullable=False),
    sa.Column('to_unit', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('package', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_handoffs')),
    sa.UniqueConstraint('dossier_code', 'event_sequence', name=op.f('uq_sync_handoffs_dossier_code_event_sequence'))
    )
    with op.batch_alter_table('sync_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_handoffs_to_node'), ['to_node'], unique=False)

    op.create_table('sync_node_state',
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.Column('acked_sequence', sa.Integer(), nullable=False),
    sa.Column('units', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('lease_owner', sa.String(length=120), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('last_contact_at', sa.DateTime(), nullable=True),
    sa.Column('last_ack_at', sa.DateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(), nullable=True),
    sa.Column('last_reconcile_at', sa.DateTime(), nullable=True),
    sa.Column('divergences', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('node_id', name=op.f('pk_sync_node_state'))
    )
    op.create_table('sync_nodes',
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=True),
    sa.Column('local', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.Column('last_contact_at', sa.DateTime(), nullable=True),
    sa.Column('last_batch_at', sa.DateTime(), nullable=True),
    sa.Column('last_entry_at', sa.DateTime(), nullable=True),
    sa.Column('backlog', sa.Integer(), nullable=False),
    sa.Column('oldest_pending_at', sa.DateTime(), nullable=True),
    sa.Column('applied_batches', sa.Integer(), nullable=False),
    sa.Column('applied_entries', sa.BigInteger(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('refusals', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(), nullable=True),
    sa.Column('last_reconcile_at', sa.DateTime(), nullable=True),
    sa.Column('divergences', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('node_id', name=op.f('pk_sync_nodes'))
    )
    op.create_table('sync_ownership',
    sa.Column('dossier_code', sa.String(length=60), nullable=False),
    sa.Column('owned', sa.Boolean(), nullable=False),
    sa.Column('peer_node', sa.String(length=64), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('dossier_code', name=op.f('pk_sync_ownership'))
    )
    op.create_table('hub_dossier_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=160), nullable=True),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=True),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['hub_dossiers.id'], name=op.f('fk_hub_dossier_events_dossier_id_hub_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_dossier_events')),
    sa.UniqueConstraint('dossier_id', 'sequence', name=op.f('uq_hub_dossier_events_dossier_id_sequence'))
    )
    with op.batch_alter_table('hub_dossier_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hub_dossier_events_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('sync_applied_batches',
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['sync_nodes.node_id'], name=op.f('fk_sync_applied_batches_node_id_sync_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('node_id', 'sequence', name=op.f('pk_sync_applied_batches'))
    )
    op.create_table('sync_node_units',
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('node_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['node_id'], ['sync_nodes.node_id'], name=op.f('fk_sync_node_units_node_id_sync_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_code', name=op.f('pk_sync_node_units'))
    )
    with op.batch_alter_table('sync_node_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_node_units_node_id'), ['node_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sync_node_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_node_units_node_id'))

    op.drop_table('sync_node_units')
    op.drop_table('sync_applied_batches')
    with op.batch_alter_table('hub_dossier_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_dossier_events_dossier_id'))

    op.drop_table('hub_dossier_events')
    op.drop_table('sync_ownership')
    op.drop_table('sync_nodes')
    op.drop_table('sync_node_state')
    with op.batch_alter_table('sync_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_handoffs_to_node'))

    op.drop_table('sync_handoffs')
    with op.batch_alter_table('sync_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_batches_acked_at'))

    op.drop_table('sync_batches')
    with op.batch_alter_table('hub_dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_dossiers_unit_day')
        batch_op.drop_index(batch_op.f('ix_hub_dossiers_status'))
        batch_op.drop_index(batch_op.f('ix_hub_dossiers_owner_node'))

    op.drop_table('hub_dossiers')
