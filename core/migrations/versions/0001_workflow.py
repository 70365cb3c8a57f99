"""workflow: versioned workflows per procedure, dossier workflow state, step history,
supplement pauses, and the units' function column

Revision ID: 0001_workflow
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0001_workflow'
down_revision = '0001_core'
branch_labels = ('workflow',)
depends_on = None


def upgrade() -> None:
    op.create_table('workflows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('steps', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_workflows_created_by_id_accounts')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_workflows_procedure_id_procedures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflows')),
    sa.UniqueConstraint('procedure_id', 'version', name=op.f('uq_workflows_procedure_id_version'))
    )
    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflows_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('dossier_step_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('step_index', sa.Integer(), nullable=True),
    sa.Column('step_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('time_in', sa.DateTime(), nullable=False),
    sa.Column('time_out', sa.DateTime(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_dossier_step_history_account_id_accounts')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_step_history_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_dossier_step_history_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_step_history')),
    sa.UniqueConstraint('dossier_id', 'position', name=op.f('uq_dossier_step_history_dossier_id_position'))
    )
    with op.batch_alter_table('dossier_step_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_step_history_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('dossier_workflows',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=True),
    sa.Column('workflow_version', sa.Integer(), nullable=True),
    sa.Column('steps', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('step_index', sa.Integer(), nullable=False),
    sa.Column('holder_role', sa.String(length=20), nullable=False),
    sa.Column('transferred', sa.Boolean(), nullable=False),
    sa.Column('step_started_at', sa.DateTime(), nullable=True),
    sa.Column('step_due_at', sa.DateTime(), nullable=True),
    sa.Column('original_due_at', sa.DateTime(), nullable=True),
    sa.Column('paused_at', sa.DateTime(), nullable=True),
    sa.Column('paused_working_minutes', sa.Integer(), nullable=False),
    sa.Column('overdue_recorded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_workflows_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_dossier_workflows_workflow_id_workflows')),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_dossier_workflows'))
    )
    with op.batch_alter_table('dossier_workflows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_workflows_holder_role'), ['holder_role'], unique=False)

    op.create_table('supplement_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('missing', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('resumed_at', sa.DateTime(), nullable=True),
    sa.Column('resumed_by_id', sa.Integer(), nullable=True),
    sa.Column('paused_working_minutes', sa.Integer(), nullable=True),
    sa.Column('old_due_at', sa.DateTime(), nullable=False),
    sa.Column('new_due_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_supplement_pauses_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['accounts.id'], name=op.f('fk_supplement_pauses_requested_by_id_accounts')),
    sa.ForeignKeyConstraint(['resumed_by_id'], ['accounts.id'], name=op.f('fk_supplement_pauses_resumed_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplement_pauses'))
    )
    with op.batch_alter_table('supplement_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplement_pauses_dossier_id'), ['dossier_id'], unique=False)

    op.add_column('units', sa.Column('function', sa.String(length=40), nullable=True))



def downgrade() -> None:
    op.drop_column('units', 'function')

    with op.batch_alter_table('supplement_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplement_pauses_dossier_id'))

    op.drop_table('supplement_pauses')
    with op.batch_alter_table('dossier_workflows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_workflows_holder_role'))

    op.drop_table('dossier_workflows')
    with op.batch_alter_table('dossier_step_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_step_history_dossier_id'))

    op.drop_table('dossier_step_history')
    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflows_procedure_id'))

    op.drop_table('workflows')
