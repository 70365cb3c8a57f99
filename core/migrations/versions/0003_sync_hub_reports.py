"""sync: what the hub's reports count by, on each copy of a node's dossier (the hub's ids
of its receiving unit and procedure, its channel, its deadline before an apology)

The copies already held are back-filled from their stored snapshots. The figures
themselves are not rebuilt here (the same database schema serves a hub, a node and a
standalone server, and only a hub counts these copies): on a hub, run
``motcua reports rebuild-summary`` once after this upgrade.

Revision ID: 0003_sync_hub_reports
Revises: 0002_sync
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0003_sync_hub_reports'
down_revision = '0002_sync'
branch_labels = None
depends_on = None

CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table('hub_dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('procedure_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('original_due_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hub_dossiers_unit_id_units'),
                                    'units', ['unit_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_hub_dossiers_procedure_id_procedures'),
                                    'procedures', ['procedure_id'], ['id'])
        batch_op.create_index(
            'ix_hub_dossiers_open',
            ['unit_id', 'procedure_id', 'due_at', 'original_due_at', 'received_at', 'status',
             'id'],
            unique=False, postgresql_where=sa.text('finished_at IS NULL'),
            sqlite_where=sa.text('finished_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_hub_dossiers_finished_at'), ['finished_at'],
                              unique=False)
        batch_op.create_index(
            'ix_hub_dossiers_unplaced', ['id'], unique=False,
            postgresql_where=sa.text('unit_id IS NULL OR procedure_id IS NULL'),
            sqlite_where=sa.text('unit_id IS NULL OR procedure_id IS NULL'))
    _back_fill(op.get_bind())


def _back_fill(bind) -> None:  # noqa: ANN001
    hub = sa.table('hub_dossiers', sa.column('id', sa.Integer),
                   sa.column('snapshot', sa.JSON), sa.column('channel'),
                   sa.column('original_due_at', sa.DateTime))
    from motcua.core.sync.apply import link_catalogue

    link_catalogue(bind)
    last = 0
    while True:
        rows = bind.execute(sa.select(hub.c.id, hub.c.snapshot).where(hub.c.id > last)
                            .order_by(hub.c.id).limit(CHUNK)).all()
        if not rows:
            return
        bind.execute(hub.update().where(hub.c.id == sa.bindparam('row_id')).values(
            channel=sa.bindparam('row_channel'), original_due_at=sa.bindparam('row_due')),
            [_values(row.id, row.snapshot or {}) for row in rows])
        last = rows[-1].id


def _values(row_id: int, snapshot: dict) -> dict:
    return {'row_id': row_id, 'row_channel': snapshot.get('channel') or 'in_person',
            'row_due': _naive_utc(snapshot.get('original_due_at'))}


def _naive_utc(value: str | None) -> datetime | None:
    """An ISO instant as the columns store it (naive UTC)."""
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


def downgrade() -> None:
    with op.batch_alter_table('hub_dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_hub_dossiers_unplaced')
        batch_op.drop_index(batch_op.f('ix_hub_dossiers_finished_at'))
        batch_op.drop_index('ix_hub_dossiers_open')
        batch_op.drop_constraint(batch_op.f('fk_hub_dossiers_procedure_id_procedures'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_hub_dossiers_unit_id_units'),
                                 type_='foreignkey')
        batch_op.drop_column('original_due_at')
        batch_op.drop_column('channel')
        batch_op.drop_column('procedure_id')
        batch_op.drop_column('unit_id')
