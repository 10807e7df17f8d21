"""A deterministic, seeded data generator for the benchmark (quality.md, "Data sizes").

    python bench/generate.py --tier S --instance /tmp/wm-bench      # SQLite file under the instance dir
    DATABASE_URL=postgresql://postgres@127.0.0.1/waymark_bench python bench/generate.py --tier M ...

The database must be fresh (empty, or a new SQLite file): it is migrated with Alembic, then the demo is
loaded through the real services (people, qualification, cohort with its calendar, content for M01-M03).
The tier's candidates and assessors join the demo cohort through the real services too
(`invite_candidate`, `invite` + `add_staff`, `allocate_evenly`, `choose_options`), so they carry the same
rows as ones a course leader adds: account, role, invitation, cohort membership, module enrolments, audit
rows. Then, in bulk but with the same row shapes the services write:

- every bench account gets one password (BENCH_PASSWORD, hashed once) and its invitation is marked used;
- activity completions, one study position and reflection drafts per candidate;
- written accounts as evidence items with version 1 and one or two criterion mappings each, with their
  `evidence_added` audit rows appended to the hash chain (so `flask audit verify` still passes).

Then `generate_assessment.add_assessment_data`: submissions waiting in one assessor's queue (W3),
assessments in marking for the concurrent sign-off (W6), released decisions with module results (W4).
Everything random comes from random.Random(seed); the same seed gives the same data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from modules.study.models import EnrolmentStatus

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "waymark-bench-2026"  # noqa: S105 - every generated account's password, on purpose
TIERS = {
    # candidates, assessors, evidence items (written accounts)
    "S": {"candidates": 200, "assessors": 10, "evidence": 2_000},
    "M": {"candidates": 2_000, "assessors": 60, "evidence": 30_000},
}
BATCH = 1_000
WORDS = [
    "pupils",
    "careers",
    "guidance",
    "employer",
    "encounter",
    "labour",
    "market",
    "destinations",
    "parents",
    "governors",
    "benchmark",
    "provision",
    "apprenticeship",
    "college",
    "sixth",
    "form",
    "review",
    "feedback",
    "calendar",
    "budget",
    "adviser",
    "assembly",
    "workshop",
    "mentoring",
    "interview",
    "transition",
    "aspiration",
    "evidence",
    "reflection",
    "colleagues",
]
# Evidence dates count back from a fixed day, so the data do not depend on when they are generated.
EVIDENCE_ANCHOR = date(2025, 9, 1)


def candidate_email(n: int) -> str:
    return f"bench-candidate{n:05d}@bench.example"


def assessor_email(n: int) -> str:
    return f"bench-assessor{n:03d}@bench.example"


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _log(msg: str, started: float) -> None:
    print(f"[generate {time.monotonic() - started:6.1f}s] {msg}", flush=True)


def generate(tier: str, *, seed: int = 2026, quiet: bool = False, analysed: bool = True) -> dict:
    """Fill the database the environment names (DATABASE_URL etc.) with the tier's data, and analyse it
    unless told not to (`analysed=False` leaves it as a bulk load without statistics); return counts."""
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select, update

    from bench.generate_assessment import add_assessment_data, bench_candidates
    from core.accounts.demo import load_demo
    from core.accounts.models import Invitation, Role, User
    from core.accounts.rules import hash_password
    from core.accounts.services.invitations import invite
    from core.app import create_app
    from core.audit.models import AuditEvent
    from core.audit.services import GENESIS_HASH, compute_hash
    from core.db.database import analyse
    from core.db.timeutil import utcnow
    from core.extensions import db
    from modules.content.models import Activity, Section
    from modules.demo import load_demo_content
    from modules.study.models import ActivityCompletion, ModuleEnrolment, ReflectionDraft, StudyPosition
    from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceVersion
    from portfolio.evidence.services import Content, content_hash
    from portfolio.mapping.services import studied_modules
    from portfolio.submissions.models import Submission
    from qualification.cohorts.models import Cohort, CohortMember, MemberRole
    from qualification.cohorts.services import add_staff, allocate_evenly, invite_candidate
    from qualification.demo import DEMO_COHORT, load_demo_cohort, load_demo_qualification
    from qualification.pathway.services import choose_options

    sizes = TIERS[tier]
    rng = random.Random(seed)
    started = time.monotonic()
    log = (lambda _m: None) if quiet else (lambda m: _log(m, started))

    app = create_app()
    with app.app_context():
        upgrade()
        log("migrated")
        load_demo()
        load_demo_qualification()
        load_demo_cohort()
        load_demo_content()
        db.session.commit()
        log("demo loaded")

        leader = db.session.scalar(select(User).where(User.email == "leader@northmoor.example"))
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
        if db.session.scalar(select(func.count()).select_from(User).where(User.email.like("bench-%"))):
            raise SystemExit("This database already holds bench data: give generate.py a fresh one.")

        # Assessors: the demo's two plus invited ones, all staff of the demo cohort.
        for n in range(1, sizes["assessors"] - 2 + 1):
            outcome = invite(
                leader,
                email=assessor_email(n),
                name=f"Bench Assessor {n}",
                role=Role.ASSESSOR,
                organisation="Northmoor University",
            )
            add_staff(leader, cohort, outcome.user, MemberRole.ASSESSOR)
        db.session.commit()
        log(f"{sizes['assessors']} assessors")

        # Candidates, through the cohort service a course leader's form uses.
        schools = [f"Bench School {i}" for i in range(1, 41)]
        for n in range(1, sizes["candidates"] + 1):
            invite_candidate(
                leader,
                cohort,
                name=f"Bench Candidate {n}",
                email=candidate_email(n),
                school=rng.choice(schools),
            )
            if n % 200 == 0:
                db.session.commit()
        db.session.commit()
        log(f"{sizes['candidates']} candidates invited")

        # One password for every bench account, as if each had accepted the invitation.
        hashed = hash_password(BENCH_PASSWORD)
        now = utcnow()
        bench_users = select(User.id).where(User.email.like("bench-%"))
        db.session.execute(
            update(User)
            .where(User.id.in_(bench_users))
            .values(password_hash=hashed, password_changed_at=now, version=User.version + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Invitation)
            .where(Invitation.email.like("bench-%"), Invitation.used_at.is_(None))
            .values(used_at=now)
        )
        db.session.commit()
        log("passwords set")

        # Half the candidates have chosen their option (M04 or M05), through the pathway service.
        members = db.session.scalars(bench_candidates(cohort.id)).all()
        users = {u.id: u for u in db.session.scalars(select(User).where(User.email.like("bench-candidate%")))}
        for i, member in enumerate(members):
            if rng.random() < 0.5:
                choose_options(
                    users[member.user_id], member, [rng.choice(["M04", "M05"])], today=cohort.start_date
                )
            if i % 200 == 199:
                db.session.commit()
        db.session.commit()
        allocate_evenly(leader, cohort)
        db.session.commit()
        log("options chosen, assessors allocated")

        # Study progress: completions in order through M01-M03, a position, reflection drafts.
        activities: dict[str, list[tuple[int, str]]] = {}
        for code in ("M01", "M02", "M03"):
            rows = db.session.execute(
                select(Activity.id, Activity.kind)
                .join(Section, Section.id == Activity.section_id)
                .where(Section.family == "CCQ", Section.module_code == code)
                .order_by(Section.position, Activity.position)
            ).all()
            activities[code] = [(r.id, r.kind) for r in rows]
        completions, positions, drafts = [], [], []
        for member in members:
            uid = member.user_id
            for code, weight in (("M01", 1.0), ("M02", 0.6), ("M03", 0.3)):
                acts = activities[code]
                done = int(len(acts) * weight * rng.random())
                for activity_id, kind in acts[:done]:
                    how = {"quiz": "auto", "reflection": "auto", "session": "attendance"}.get(kind, "manual")
                    completions.append(
                        {"user_id": uid, "activity_id": activity_id, "how": how, "completed_at": now}
                    )
                if done:
                    positions.append(
                        {
                            "user_id": uid,
                            "family": "CCQ",
                            "module_code": code,
                            "activity_id": acts[min(done, len(acts) - 1)][0],
                            "anchor": "",
                            "updated_at": now,
                        }
                    )
                open_reflections = [a for a, k in acts[done:] if k == "reflection"]
                for activity_id in open_reflections[: rng.randint(0, 2)]:
                    drafts.append(
                        {
                            "user_id": uid,
                            "activity_id": activity_id,
                            "text": _text(rng, rng.randint(20, 120)),
                            "revision": rng.randint(1, 6),
                            "updated_at": now,
                        }
                    )
        for table, rows in (
            (ActivityCompletion.__table__, completions),
            (StudyPosition.__table__, positions),
            (ReflectionDraft.__table__, drafts),
        ):
            for i in range(0, len(rows), BATCH):
                db.session.execute(insert(table), rows[i : i + BATCH])
        db.session.commit()
        log(f"{len(completions)} completions, {len(positions)} positions, {len(drafts)} drafts")

        # Evidence: written accounts, version 1, mapped to criteria of the modules the candidate studies.
        criteria_by_modules: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}
        member_criteria: dict[int, list[tuple[str, str, str]]] = {}
        for member in members:
            codes = tuple(
                db.session.scalars(
                    select(ModuleEnrolment.module_code)
                    .where(
                        ModuleEnrolment.candidate_id == member.user_id,
                        ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
                    )
                    .order_by(ModuleEnrolment.module_code)
                )
            )
            if codes not in criteria_by_modules:
                criteria_by_modules[codes] = [
                    (m.family, m.code, c.ref)
                    for m in studied_modules(member.user_id)
                    for o in m.outcomes
                    for c in o.criteria
                ]
            member_criteria[member.user_id] = criteria_by_modules[codes]
        owners = [m.user_id for m in members]
        per_owner, extra = divmod(sizes["evidence"], len(owners))
        last = db.session.execute(
            select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (last.seq, last.row_hash) if last else (0, GENESIS_HASH)
        made = 0
        plan = [(uid, per_owner + (1 if i < extra else 0)) for i, uid in enumerate(owners)]
        queue: list[tuple[int, Content]] = []

        def flush_evidence(queue: list[tuple[int, Content]]) -> None:
            nonlocal seq, prev_hash
            stamp = utcnow().replace(microsecond=0)
            anonymised = [rng.random() < 0.8 for _ in queue]
            item_ids = db.session.scalars(
                insert(EvidenceItem.__table__).returning(
                    EvidenceItem.__table__.c.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "candidate_id": uid,
                        "kind": "account",
                        "created_at": stamp,
                        "anonymised_at": stamp if anon else None,
                        "version": 1,
                    }
                    for (uid, _c), anon in zip(queue, anonymised, strict=True)
                ],
            ).all()
            hashes = [content_hash("account", c) for _uid, c in queue]
            version_ids = db.session.scalars(
                insert(EvidenceVersion.__table__).returning(
                    EvidenceVersion.__table__.c.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "item_id": iid,
                        "number": 1,
                        "title": c.title,
                        "activity_date": c.activity_date,
                        "context_md": c.context_md,
                        "body_md": c.body_md,
                        "url": None,
                        "blob_sha256": None,
                        "file_name": None,
                        "content_hash": h,
                        "created_at": stamp,
                        "created_by_id": uid,
                    }
                    for iid, (uid, c), h in zip(item_ids, queue, hashes, strict=True)
                ],
            ).all()
            table = EvidenceItem.__table__
            for iid, vid in zip(item_ids, version_ids, strict=True):
                db.session.execute(table.update().where(table.c.id == iid).values(current_version_id=vid))
            mappings = []
            for iid, (uid, _c) in zip(item_ids, queue, strict=True):
                for family, code, ref in rng.sample(member_criteria[uid], rng.randint(1, 2)):
                    mappings.append(
                        {
                            "item_id": iid,
                            "family": family,
                            "module_code": code,
                            "criterion_ref": ref,
                            "note": "",
                            "created_at": stamp,
                        }
                    )
            db.session.execute(insert(CriterionMapping.__table__), mappings)
            emails = {u.id: u.email for u in users.values()}
            events = []
            for iid, (uid, c), h, anon in zip(item_ids, queue, hashes, anonymised, strict=True):
                seq += 1
                event = AuditEvent(
                    seq=seq,
                    occurred_at=stamp,
                    actor_id=uid,
                    actor_label=emails[uid],
                    actor_role="candidate",
                    action="evidence_added",
                    object_type="EvidenceItem",
                    object_id=str(iid),
                    request_id=None,
                    ip_address=None,
                    prev_hash=prev_hash,
                    details_json=json.dumps(
                        {
                            "kind": "account",
                            "title": c.title,
                            "version": 1,
                            "content_hash": h,
                            "blob": None,
                            "tags": [],
                            "anonymised": anon,
                            "source": None,
                        },
                        sort_keys=True,
                        default=str,
                        ensure_ascii=False,
                    ),
                )
                event.row_hash = compute_hash(event)
                prev_hash = event.row_hash
                events.append(
                    {c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns if c.key != "id"}
                )
            db.session.execute(insert(AuditEvent.__table__), events)
            db.session.commit()

        for uid, count in plan:
            for _ in range(count):
                body = "\n\n".join(_text(rng, rng.randint(40, 90)) for _ in range(rng.randint(2, 5)))
                content = Content(
                    title=_text(rng, rng.randint(3, 8))[:200],
                    activity_date=EVIDENCE_ANCHOR - timedelta(days=rng.randint(1, 400)),
                    context_md=_text(rng, rng.randint(10, 30)),
                    body_md=body,
                    url=None,
                    blob_sha256=None,
                    file_name=None,
                )
                queue.append((uid, content))
                if len(queue) >= BATCH:
                    flush_evidence(queue)
                    made += len(queue)
                    queue = []
        if queue:
            flush_evidence(queue)
            made += len(queue)
        log(f"{made} evidence items")

        assessment = add_assessment_data(tier, rng, cohort, log)
        db.session.commit()
        if analysed:
            # Bulk-loaded tables have no statistics until analysed: the planner takes them for tiny.
            analyse()
            db.session.commit()
            log("analysed")

        counts = {
            "tier": tier,
            "seed": seed,
            "candidates": len(members),
            "assessors": db.session.scalar(
                select(func.count())
                .select_from(CohortMember)
                .where(CohortMember.cohort_id == cohort.id, CohortMember.role == MemberRole.ASSESSOR)
            ),
            "evidence_items": db.session.scalar(select(func.count()).select_from(EvidenceItem)),
            "activity_completions": db.session.scalar(select(func.count()).select_from(ActivityCompletion)),
            "reflection_drafts": db.session.scalar(select(func.count()).select_from(ReflectionDraft)),
            "submissions": db.session.scalar(select(func.count()).select_from(Submission)),
            **assessment,
            "analysed": analysed,
            "seconds": round(time.monotonic() - started, 1),
        }
        db.session.remove()
        db.engine.dispose()
    return counts


def bench_env(instance: Path, database_url: str | None) -> dict[str, str]:
    """The environment the app (generator and gunicorn alike) runs with."""
    return {
        "WAYMARK_INSTANCE_DIR": str(instance),
        "WAYMARK_DATA_DIR": str(instance / "data"),
        "DATABASE_URL": database_url or f"sqlite:///{instance / 'waymark.db'}",
        "SECRET_KEY": hashlib.sha256(f"bench-{instance}".encode()).hexdigest(),
        "MAIL_BACKEND": "log",
        # The benchmark signs staff in with a password through the form, as the demo does.
        "WAYMARK_MFA_REQUIRED_ROLES": "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="S")
    parser.add_argument("--instance", required=True, help="instance folder (created; SQLite file goes here)")
    parser.add_argument("--database", default=None, help="database URL (default: SQLite in the instance)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-analyse", action="store_true", help="leave the database without planner statistics"
    )
    args = parser.parse_args(argv)
    instance = Path(args.instance)
    instance.mkdir(parents=True, exist_ok=True)
    os.environ.update(bench_env(instance, args.database))
    print(json.dumps(generate(args.tier, seed=args.seed, analysed=not args.no_analyse)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
