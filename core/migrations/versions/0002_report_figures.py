"""report figures kept per day and month, receiving unit and procedure, back-filled from
the dossiers; indexes for the reports' live count of open dossiers

Revision ID: 0002_report_figures
Revises: 0001_core, 0001_workflow
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_report_figures'
# The core branch's head, and the workflow branch: the back-fill reads its rows (an
# apology's original deadline), so it must run after it.
down_revision = ('0001_core', '0001_workflow')
branch_labels = None
depends_on = None


def _key() -> list[sa.Column]:
    return [sa.Column('grain', sa.String(length=1), nullable=False),
            sa.Column('day', sa.Date(), nullable=False)]


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default='0', nullable=False)


def upgrade() -> None:
    op.create_table('report_figures',
    *_key(),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    *(_count(name) for name in ('received_online', 'received_in_person', 'closed', 'early',
                                'on_time', 'late', 'refused', 'withdrawn', 'overdue_from',
                                'overdue_until')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'],
                            name=op.f('fk_report_figures_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                            name=op.f('fk_report_figures_unit_id_units')),
    sa.PrimaryKeyConstraint('grain', 'day', 'unit_id', 'procedure_id',
                            name=op.f('pk_report_figures'))
    )
    op.create_table('report_supplements',
    *_key(),
    sa.Column('previous_day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    _count('requests'),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'],
                            name=op.f('fk_report_supplements_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                            name=op.f('fk_report_supplements_unit_id_units')),
    sa.PrimaryKeyConstraint('grain', 'day', 'previous_day', 'unit_id', 'procedure_id',
                            name=op.f('pk_report_supplements'))
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_finished_at'), ['finished_at'],
                              unique=False)
        batch_op.create_index(
            'ix_dossiers_open',
            ['unit_id', 'procedure_id', 'due_at', 'received_at', 'status', 'id'],
            unique=False, postgresql_where=sa.text('finished_at IS NULL'),
            sqlite_where=sa.text('finished_at IS NULL'))
    with op.batch_alter_table('dossier_workflows', schema=None) as batch_op:
        batch_op.create_index(
            'ix_dossier_workflows_apologised', ['dossier_id', 'original_due_at'],
            unique=False, postgresql_where=sa.text('original_due_at IS NOT NULL'),
            sqlite_where=sa.text('original_due_at IS NOT NULL'))

    # Back-fill with the very statements that keep the figures as events happen.
    from motcua.core.reports.tally import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('dossier_workflows', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_workflows_apologised')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_open')
        batch_op.drop_index(batch_op.f('ix_dossiers_finished_at'))
    op.drop_table('report_supplements')
    op.drop_table('report_figures')
