"""core schema

Revision ID: 0001_core
Revises: 
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001_core'
down_revision = None
branch_labels = ('core',)
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_overrides',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_overrides'))
    )
    op.create_table('procedures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=400), nullable=False),
    sa.Column('search_text', sa.String(length=800), nullable=False),
    sa.Column('field', sa.String(length=160), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('processing_days', sa.Integer(), nullable=False),
    sa.Column('fee', sa.Integer(), nullable=False),
    sa.Column('fee_note', sa.String(length=400), nullable=True),
    sa.Column('result_type', sa.String(length=255), nullable=False),
    sa.Column('handler_plugin', sa.String(length=80), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedures')),
    sa.UniqueConstraint('code', name=op.f('uq_procedures_code'))
    )
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedures_search_text'), ['search_text'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('short_name', sa.String(length=120), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('admin_code', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('receives_dossiers', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_path'), ['path'], unique=False)

    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=160), nullable=False),
    sa.Column('email', sa.String(length=160), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_accounts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_accounts_username'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_unit_id'), ['unit_id'], unique=False)

    op.create_table('dossier_code_counters',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_dossier_code_counters_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', 'day', name=op.f('pk_dossier_code_counters'))
    )
    op.create_table('procedure_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=400), nullable=False),
    sa.Column('copy_kind', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('form_filename', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_documents_procedure_id_procedures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_documents'))
    )
    with op.batch_alter_table('procedure_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_documents_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('procedure_units',
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_units_procedure_id_procedures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_procedure_units_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('procedure_id', 'unit_id', name=op.f('pk_procedure_units'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_api_tokens_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_api_tokens_token_sha256'))
    )
    op.create_table('desk_guidance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('applicant_name', sa.String(length=160), nullable=False),
    sa.Column('applicant_phone', sa.String(length=20), nullable=True),
    sa.Column('missing', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['given_by_id'], ['accounts.id'], name=op.f('fk_desk_guidance_given_by_id_accounts')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_desk_guidance_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_desk_guidance_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_guidance'))
    )
    with op.batch_alter_table('desk_guidance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_guidance_unit_id'), ['unit_id'], unique=False)

    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('applicant_name', sa.String(length=160), nullable=False),
    sa.Column('applicant_citizen_id', sa.String(length=12), nullable=True),
    sa.Column('applicant_phone', sa.String(length=20), nullable=True),
    sa.Column('applicant_email', sa.String(length=160), nullable=True),
    sa.Column('applicant_address', sa.String(length=400), nullable=True),
    sa.Column('applicant_organization', sa.String(length=255), nullable=True),
    sa.Column('sms_consent', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('back_entered', sa.Boolean(), nullable=False),
    sa.Column('back_entry_reason', sa.String(length=400), nullable=True),
    sa.Column('holder_unit_id', sa.Integer(), nullable=True),
    sa.Column('holder_account_id', sa.Integer(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('specialist_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('fee', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['holder_account_id'], ['accounts.id'], name=op.f('fk_dossiers_holder_account_id_accounts')),
    sa.ForeignKeyConstraint(['holder_unit_id'], ['units.id'], name=op.f('fk_dossiers_holder_unit_id_units')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_dossiers_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['received_by_id'], ['accounts.id'], name=op.f('fk_dossiers_received_by_id_accounts')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_dossiers_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('code', name=op.f('uq_dossiers_code'))
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_applicant_citizen_id'), ['applicant_citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_holder_unit_id'), ['holder_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_unit_id'), ['unit_id'], unique=False)

    op.create_table('role_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_role_assignments_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_role_assignments_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_assignments')),
    sa.UniqueConstraint('account_id', 'role', 'unit_id', name=op.f('uq_role_assignments_account_id_role_unit_id'))
    )
    op.create_table('dossier_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('procedure_document_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=400), nullable=False),
    sa.Column('copy_kind', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('submitted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_documents_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['procedure_document_id'], ['procedure_documents.id'], name=op.f('fk_dossier_documents_procedure_document_id_procedure_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_documents'))
    )
    with op.batch_alter_table('dossier_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_documents_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('dossier_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=160), nullable=True),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=True),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['accounts.id'], name=op.f('fk_dossier_events_actor_id_accounts')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_events_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['from_unit_id'], ['units.id'], name=op.f('fk_dossier_events_from_unit_id_units')),
    sa.ForeignKeyConstraint(['to_unit_id'], ['units.id'], name=op.f('fk_dossier_events_to_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_events')),
    sa.UniqueConstraint('dossier_id', 'sequence', name=op.f('uq_dossier_events_dossier_id_sequence'))
    )
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_events_dossier_id'), ['dossier_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('dossier_document_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_document_id'], ['dossier_documents.id'], name=op.f('fk_attachments_dossier_document_id_dossier_documents')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_attachments_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['accounts.id'], name=op.f('fk_attachments_uploaded_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_outbox_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['event_id'], ['dossier_events.id'], name=op.f('fk_outbox_event_id_dossier_events')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_outbox_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_unit_id'), ['unit_id'], unique=False)

    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_unit_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_sent_at'))

    op.drop_table('outbox')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_dossier_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_events_dossier_id'))

    op.drop_table('dossier_events')
    with op.batch_alter_table('dossier_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_documents_dossier_id'))

    op.drop_table('dossier_documents')
    op.drop_table('role_assignments')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_unit_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_status'))
        batch_op.drop_index(batch_op.f('ix_dossiers_received_at'))
        batch_op.drop_index(batch_op.f('ix_dossiers_procedure_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_holder_unit_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_due_at'))
        batch_op.drop_index(batch_op.f('ix_dossiers_applicant_citizen_id'))

    op.drop_table('dossiers')
    with op.batch_alter_table('desk_guidance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_guidance_unit_id'))

    op.drop_table('desk_guidance')
    op.drop_table('api_tokens')
    op.drop_table('procedure_units')
    with op.batch_alter_table('procedure_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_documents_procedure_id'))

    op.drop_table('procedure_documents')
    op.drop_table('dossier_code_counters')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_unit_id'))

    op.drop_table('accounts')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_path'))
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))

    op.drop_table('units')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedures_search_text'))

    op.drop_table('procedures')
    op.drop_table('calendar_overrides')


# Dossier events are the legal record of who did what and when: the database itself
# refuses to change or delete them, whatever code runs against it.
def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER dossier_events_no_{action.lower()} BEFORE {action} "
                "ON dossier_events BEGIN "
                "SELECT RAISE(ABORT, 'dossier_events is append-only'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION dossier_events_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'dossier_events is append-only'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER dossier_events_append_only BEFORE UPDATE OR DELETE "
        "ON dossier_events FOR EACH ROW EXECUTE FUNCTION dossier_events_append_only()"
    )


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS dossier_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS dossier_events_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS dossier_events_append_only ON dossier_events")
    op.execute("DROP FUNCTION IF EXISTS dossier_events_append_only()")
