"""One word for a workflow position (status) and one name for the candidate (candidate_id)

Issue 10: assessments, observations and witness requests call their workflow position `status`, like every
other table; the candidate is `candidate_id` on APL claims, evidence items, session bookings and module
enrolments. Constraints and indexes are renamed with the columns so they keep the naming convention's names.
"""

from alembic import op
import sqlalchemy as sa


revision = "5e1a7c0d9b42"
down_revision = "85c2dd18edef"
branch_labels = None
depends_on = None

STATUSES = {
    "assessments": (
        20,
        "'not_started', 'in_marking', 'marking_complete', 'in_iqa_review', 'ready_for_release', 'released'",
    ),
    "observations": (12, "'planned', 'recorded', 'acknowledged', 'cancelled'"),
    "witness_requests": (10, "'pending', 'confirmed', 'declined', 'revoked'"),
}
# table -> (index name, columns) of the indexes that include the workflow column.
STATUS_INDEXES = {
    "assessments": [
        ("ix_assessments_queue", "ix_assessments_queue", ["assessor_id", "{}", "waiting_since", "id"]),
        ("ix_assessments_cohort_state", "ix_assessments_cohort_status", ["cohort_id", "{}"]),
    ],
    "observations": [
        ("ix_observations_assessor_state", "ix_observations_assessor_status", ["assessor_id", "{}", "planned_for"]),
    ],
    "witness_requests": [],
}
# table -> (old column, ondelete, indexes (old name, new name, columns), unique constraints (columns))
CANDIDATES = {
    "apl_claims": ("claimant_id", [("ix_apl_claims_claimant_id", "ix_apl_claims_candidate_id", ["{}"])], []),
    "evidence_items": (
        "owner_id",
        [("ix_evidence_items_owner", "ix_evidence_items_candidate", ["{}", "deleted_at", "id"])],
        [],
    ),
    "session_bookings": (
        "user_id",
        [("ix_session_bookings_user_id", "ix_session_bookings_candidate_id", ["{}"])],
        [["session_id", "{}"]],
    ),
    "module_enrolments": (
        "user_id",
        [("ix_module_enrolments_user_id", "ix_module_enrolments_candidate_id", ["{}"])],
        [["{}", "family", "module_code"]],
    ),
}


def _cols(columns, name):
    return [name if c == "{}" else c for c in columns]


def _rename_status(table, old, new):
    length, values = STATUSES[table]
    with op.batch_alter_table(table, schema=None) as batch_op:
        for old_ix, new_ix, columns in STATUS_INDEXES[table]:
            batch_op.drop_index(op.f(old_ix if new == "status" else new_ix))
        batch_op.drop_constraint(op.f(f"ck_{table}_{old}_known"), type_="check")
        batch_op.alter_column(old, new_column_name=new, existing_type=sa.String(length), existing_nullable=False)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_check_constraint(op.f(f"ck_{table}_{new}_known"), sa.text(f"{new} IN ({values})"))
        for old_ix, new_ix, columns in STATUS_INDEXES[table]:
            batch_op.create_index(op.f(new_ix if new == "status" else old_ix), _cols(columns, new), unique=False)


def _rename_candidate(table, old, new, forward):
    _column, indexes, uniques = CANDIDATES[table]
    with op.batch_alter_table(table, schema=None) as batch_op:
        for old_ix, new_ix, _columns in indexes:
            batch_op.drop_index(op.f(old_ix if forward else new_ix))
        for columns in uniques:
            batch_op.drop_constraint(op.f(f"uq_{table}_{'_'.join(_cols(columns, old))}"), type_="unique")
        batch_op.drop_constraint(op.f(f"fk_{table}_{old}_users"), type_="foreignkey")
        batch_op.alter_column(old, new_column_name=new, existing_type=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_foreign_key(op.f(f"fk_{table}_{new}_users"), "users", [new], ["id"], ondelete="CASCADE")
        for columns in uniques:
            batch_op.create_unique_constraint(op.f(f"uq_{table}_{'_'.join(_cols(columns, new))}"), _cols(columns, new))
        for old_ix, new_ix, columns in indexes:
            batch_op.create_index(op.f(new_ix if forward else old_ix), _cols(columns, new), unique=False)


def upgrade():
    for table in STATUSES:
        _rename_status(table, "state", "status")
    for table, (column, _indexes, _uniques) in CANDIDATES.items():
        _rename_candidate(table, column, "candidate_id", forward=True)


def downgrade():
    for table, (column, _indexes, _uniques) in CANDIDATES.items():
        _rename_candidate(table, "candidate_id", column, forward=False)
    for table in STATUSES:
        _rename_status(table, "status", "state")
