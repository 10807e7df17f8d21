"""Module deadlines per cohort, candidates' extension requests, and the reminders sent before a deadline

Issue 12 (deadlines and extensions): a course leader sets each module's submission deadline for a cohort; a
candidate asks for more time; a tutor or course leader grants (with a new date) or refuses. A reminder row
is written once per candidate, deadline date and reminder (a week, a day), so a reminder is never sent twice.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e29daa513c4e'
down_revision = "bf756d2c6b10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('module_code', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_module_deadlines_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_module_deadlines_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_deadlines')),
    sa.UniqueConstraint('cohort_id', 'module_code', name=op.f('uq_module_deadlines_cohort_id_module_code'))
    )
    with op.batch_alter_table('module_deadlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_deadlines_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('deadline_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_until', sa.Date(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('granted_until', sa.Date(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'granted' OR granted_until IS NOT NULL", name=op.f('ck_deadline_extensions_granted_has_date')),
    sa.CheckConstraint("status IN ('requested', 'granted', 'refused')", name=op.f('ck_deadline_extensions_status_known')),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_deadline_extensions_candidate_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deadline_id'], ['module_deadlines.id'], name=op.f('fk_deadline_extensions_deadline_id_module_deadlines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_deadline_extensions_decided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_extensions'))
    )
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_extensions_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_extensions_deadline_id'), ['deadline_id'], unique=False)
        batch_op.create_index('uq_deadline_extensions_open', ['deadline_id', 'candidate_id'], unique=True, sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))

    op.create_table('deadline_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_deadline_reminders_candidate_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deadline_id'], ['module_deadlines.id'], name=op.f('fk_deadline_reminders_deadline_id_module_deadlines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_reminders')),
    sa.UniqueConstraint('deadline_id', 'candidate_id', 'due_on', 'days', name=op.f('uq_deadline_reminders_deadline_id_candidate_id_due_on_days'))
    )
    with op.batch_alter_table('deadline_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_reminders_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_reminders_deadline_id'), ['deadline_id'], unique=False)



def downgrade():
    with op.batch_alter_table('deadline_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_reminders_deadline_id'))
        batch_op.drop_index(batch_op.f('ix_deadline_reminders_candidate_id'))

    op.drop_table('deadline_reminders')
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.drop_index('uq_deadline_extensions_open', sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))
        batch_op.drop_index(batch_op.f('ix_deadline_extensions_deadline_id'))
        batch_op.drop_index(batch_op.f('ix_deadline_extensions_candidate_id'))

    op.drop_table('deadline_extensions')
    with op.batch_alter_table('module_deadlines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_deadlines_cohort_id'))

    op.drop_table('module_deadlines')
