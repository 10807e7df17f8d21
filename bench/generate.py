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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "waymark-bench-2026"  # noqa: S105 - every generated account's password, on purpose
TIERS = {
    # candidates, assessors, evidence items (written accounts)
    "S": {"candidates": 200, "assessors": 10, "evidence": 2_000},
    "M": {"candidates": 2_000, "assessors": 60, "evidence": 30_000},
    "L": {"candidates": 20_000, "assessors": 300, "evidence": 300_000},
}
# Candidates whose evidence is built and inserted together (about 15 items each): bounds the memory used.
EVIDENCE_PEOPLE = 500
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
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


def _log(msg: str, started: float) -> None:
    print(f"[generate {time.monotonic() - started:6.1f}s] {msg}", flush=True)


def generate(tier: str, *, seed: int = 2026, quiet: bool = False, analysed: bool = True) -> dict:
    """Fill the database the environment names (DATABASE_URL etc.) with the tier's data, and analyse it
    unless told not to (`analysed=False` leaves it as a bulk load without statistics); return counts."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, update

    from bench.bulk import Bulk, Chain
    from bench.generate_assessment import add_assessment_data
    from core.accounts.demo import load_demo
    from core.accounts.models import Invitation, Role, User
    from core.accounts.rules import hash_password
    from core.accounts.services.invitations import invite
    from core.app import create_app
    from core.db.database import analyse
    from core.db.timeutil import utcnow
    from core.extensions import db
    from modules.demo import load_demo_content
    from modules.study.models import ActivityCompletion, ReflectionDraft
    from portfolio.evidence.models import EvidenceItem
    from portfolio.submissions.models import Submission
    from qualification.cohorts.models import Cohort, CohortMember, MemberRole
    from qualification.cohorts.services import add_staff
    from qualification.demo import DEMO_COHORT, load_demo_cohort, load_demo_qualification

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

        # Assessors (a few hundred at most): the demo's two plus invited ones, all staff of the demo cohort,
        # through the real services.
        for n in range(1, sizes["assessors"] - 2 + 1):
            outcome = invite(
                leader,
                email=assessor_email(n),
                name=f"Bench Assessor {n}",
                role=Role.ASSESSOR,
                organisation="Northmoor University",
            )
            add_staff(leader, cohort, outcome.user, MemberRole.ASSESSOR)
        # One password for every bench account, as if each had accepted the invitation.
        hashed = hash_password(BENCH_PASSWORD)
        db.session.execute(
            update(User)
            .where(User.email.like("bench-%"))
            .values(password_hash=hashed, password_changed_at=utcnow(), version=User.version + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Invitation)
            .where(Invitation.email.like("bench-%"), Invitation.used_at.is_(None))
            .values(used_at=utcnow())
        )
        db.session.commit()
        log(f"{sizes['assessors']} assessors")

        # Everything else in bulk, in one transaction, with the rows the services write.
        bulk = Bulk(db.session)
        bulk.begin()
        chain = Chain(db.session, seed)
        people = _join_candidates(bulk, chain, rng, leader, cohort, sizes["candidates"], hashed)
        log(f"{len(people)} candidates joined, {sum(1 for p in people if p.option)} chose an option")
        study = _study(bulk, rng, people)
        log(f"{study['completions']} completions, {study['positions']} positions, {study['drafts']} drafts")
        made = _evidence(bulk, chain, rng, cohort, people, sizes["evidence"])
        log(f"{made} evidence items")
        assessment = add_assessment_data(tier, rng, cohort, log, bulk, [p.user_id for p in people])
        bulk.end()
        db.session.commit()
        log("committed")
        if analysed:
            # Bulk-loaded tables have no statistics until analysed: the planner takes them for tiny.
            analyse()
            db.session.commit()
            log("analysed")

        counts = {
            "tier": tier,
            "seed": seed,
            "candidates": len(people),
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


@dataclass
class Person:
    """A generated candidate: their account, membership, modules (compulsory, then the option chosen)."""

    user_id: int
    email: str
    member_id: int
    modules: list[str]
    option: str | None
    at: datetime


def _compulsory(spec, award_code: str) -> list[str]:
    # As pathway's _required_modules: the award's compulsory modules, then those of the awards it includes.
    by_code = {a.code: a for a in spec.awards}
    codes: list[str] = []
    stack = [by_code[award_code]]
    while stack:
        current = stack.pop(0)
        stack += [by_code[c] for c in current.includes if c in by_code]
        codes += [c for c in current.compulsory if c not in codes]
    return codes


def _join_candidates(bulk, chain, rng, leader, cohort, count: int, hashed: str) -> list[Person]:
    """Candidates as `invite_candidate` leaves them once they have accepted the invitation (account with a
    role and a password, used invitation, membership, compulsory modules, an assessor by the cohort's even
    rule), half of them with an option chosen as `choose_options` saves it; each step's audit row. The
    invitation emails are not queued: they would only wait in the outbox."""
    from core.accounts.models import Invitation, Role, User, UserRole
    from core.accounts.services.invitations import INVITATION_LIFETIME
    from core.accounts.services.sessions import normalise_email
    from core.db.timeutil import utcnow
    from modules.study.models import ModuleEnrolment
    from qualification.cohorts.models import AssessorAllocation, CohortMember, MemberRole, MemberStatus
    from qualification.cohorts.rules import even_spread_choice
    from qualification.cohorts.services import assessor_loads
    from qualification.pathway.models import PathwayChoice
    from qualification.versions.services import spec_of_version

    version = cohort.qualification_version
    family = version.qualification.code
    module_ids = {link.code: link.module_id for link in version.module_links}
    compulsory = _compulsory(spec_of_version(version), cohort.award_code)
    loads = assessor_loads(cohort)
    schools = [f"Bench School {i}" for i in range(1, 41)]
    user_ids = bulk.ids(User.__table__, count)
    member_ids = bulk.ids(CohortMember.__table__, count)
    invitation_ids = bulk.ids(Invitation.__table__, count)
    people: list[Person] = []
    users, roles, invitations, members, enrolments, allocations = [], [], [], [], [], []
    at = utcnow()
    who = {"actor_id": leader.id, "actor_label": leader.email, "at": at}
    for n, uid, mid, iid in zip(range(1, count + 1), user_ids, member_ids, invitation_ids, strict=True):
        email, name, school = normalise_email(candidate_email(n)), f"Bench Candidate {n}", rng.choice(schools)
        users.append(
            {
                "id": uid,
                "email": email,
                "name": name,
                "organisation": school,
                "password_hash": hashed,
                "created_at": at,
                "password_changed_at": at,
                "version": 2,
            }
        )
        roles.append({"user_id": uid, "role": Role.CANDIDATE.value, "granted_at": at})
        chain.append(
            "user_invited",
            **who,
            actor_role=None,
            object_type="User",
            object_id=uid,
            details={"email": email, "roles": [Role.CANDIDATE.value]},
        )
        invitations.append(
            {
                "id": iid,
                "token_hash": hashlib.sha256(f"bench-invitation-{n}".encode()).hexdigest(),
                "email": email,
                "name": name,
                "role": Role.CANDIDATE.value,
                "invited_by_id": leader.id,
                "created_at": at,
                "expires_at": at + INVITATION_LIFETIME,
                "used_at": at,
            }
        )
        chain.append(
            "invitation_sent",
            **who,
            actor_role="course_leader",
            object_type="Invitation",
            object_id=iid,
            details={"email": email, "role": Role.CANDIDATE.value},
        )
        members.append(
            {
                "id": mid,
                "cohort_id": cohort.id,
                "user_id": uid,
                "role": MemberRole.CANDIDATE.value,
                "school": school,
                "added_at": at,
                "status": MemberStatus.ACTIVE.value,
            }
        )
        for code in compulsory:
            enrolments.append(_enrolment(uid, family, code, module_ids[code], cohort.id, at))
        chain.append(
            "cohort_candidate_added",
            **who,
            actor_role="course_leader",
            object_type="Cohort",
            object_id=cohort.id,
            details={"user_id": uid, "email": email, "school": school},
        )
        if cohort.allocation_rule == "even" and (assessor := even_spread_choice(loads, uid)) is not None:
            allocations.append(
                {"cohort_id": cohort.id, "candidate_id": uid, "assessor_id": assessor, "allocated_at": at}
            )
            loads[assessor] = (loads[assessor][0] + 1, loads[assessor][1])
            chain.append(
                "assessor_allocated",
                **who,
                actor_role="course_leader",
                object_type="Cohort",
                object_id=cohort.id,
                details={"candidate_id": uid, "before": None, "after": assessor, "rule": "even"},
            )
        people.append(Person(uid, email, mid, list(compulsory), None, at))
    # Half of them choose their option (M04 or M05), as the pathway page saves it.
    choices = []
    for person in people:
        if rng.random() < 0.5:
            option = rng.choice(["M04", "M05"])
            person.option = option
            person.modules.append(option)
            choices.append(
                {"member_id": person.member_id, "module_code": option, "position": 0, "chosen_at": at}
            )
            enrolments.append(_enrolment(person.user_id, family, option, module_ids[option], cohort.id, at))
            chain.append(
                "pathway_chosen",
                at=at,
                actor_id=person.user_id,
                actor_label=person.email,
                actor_role="candidate",
                object_type="Cohort",
                object_id=cohort.id,
                details={"member_id": person.member_id, "before": [], "after": [option]},
            )
    bulk.insert(User.__table__, users)
    bulk.insert(UserRole.__table__, roles)
    bulk.insert(Invitation.__table__, invitations)
    bulk.insert(CohortMember.__table__, members)
    bulk.insert(ModuleEnrolment.__table__, enrolments)
    bulk.insert(AssessorAllocation.__table__, allocations)
    bulk.insert(PathwayChoice.__table__, choices)
    chain.write(bulk)
    return people


def _enrolment(uid: int, family: str, code: str, module_id: int, cohort_id: int, at: datetime) -> dict:
    from modules.study.models import EnrolmentStatus

    return {
        "candidate_id": uid,
        "family": family,
        "module_code": code,
        "module_id": module_id,
        "cohort_id": cohort_id,
        "status": EnrolmentStatus.ACTIVE.value,
        "enrolled_at": at,
    }


def _study(bulk, rng, people: list[Person]) -> dict:
    """Activity completions in order through M01-M03, a study position per module begun, reflection drafts."""
    from sqlalchemy import select

    from core.extensions import db
    from modules.content.models import Activity, Section
    from modules.study.models import ActivityCompletion, ReflectionDraft, StudyPosition

    activities: dict[str, list[tuple[int, str]]] = {}
    for code in ("M01", "M02", "M03"):
        rows = db.session.execute(
            select(Activity.id, Activity.kind)
            .join(Section, Section.id == Activity.section_id)
            .where(Section.family == "CCQ", Section.module_code == code)
            .order_by(Section.position, Activity.position)
        ).all()
        activities[code] = [(r.id, r.kind) for r in rows]
    how_of = {"quiz": "auto", "reflection": "auto", "session": "attendance"}
    completions, positions, drafts = [], [], []
    for person in people:
        uid, now = person.user_id, person.at
        for code, weight in (("M01", 1.0), ("M02", 0.6), ("M03", 0.3)):
            acts = activities[code]
            done = int(len(acts) * weight * rng.random())
            for activity_id, kind in acts[:done]:
                completions.append(
                    {
                        "user_id": uid,
                        "activity_id": activity_id,
                        "how": how_of.get(kind, "manual"),
                        "completed_at": now,
                    }
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
    bulk.insert(ActivityCompletion.__table__, completions)
    bulk.insert(StudyPosition.__table__, positions)
    bulk.insert(ReflectionDraft.__table__, drafts)
    return {"completions": len(completions), "positions": len(positions), "drafts": len(drafts)}


def _evidence(bulk, chain, rng, cohort, people: list[Person], total: int) -> int:
    """Written accounts, version 1, each mapped to one or two criteria of the modules its author studies,
    with the `evidence_added` row `add_item` appends to the audit chain."""
    from sqlalchemy import text

    from core.db.timeutil import utcnow
    from core.extensions import db
    from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceVersion
    from portfolio.evidence.services import Content, content_hash
    from qualification.versions.services import spec_of_version

    spec = spec_of_version(cohort.qualification_version)
    by_module = {
        m.code: [(spec.code, m.code, c.ref) for o in m.outcomes for c in o.criteria] for m in spec.modules
    }
    criteria_of: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}
    per_owner, extra = divmod(total, len(people)) if people else (0, 0)
    stamp = utcnow().replace(microsecond=0)
    items_table, versions_table = EvidenceItem.__table__, EvidenceVersion.__table__
    made = 0
    for start in range(0, len(people), EVIDENCE_PEOPLE):
        group = people[start : start + EVIDENCE_PEOPLE]
        plan = [(p, per_owner + (1 if start + i < extra else 0)) for i, p in enumerate(group)]
        n = sum(k for _p, k in plan)
        item_ids, version_ids = bulk.ids(items_table, n), bulk.ids(versions_table, n)
        items, versions, mappings = [], [], []
        slot = 0
        for person, k in plan:
            key = tuple(sorted(person.modules))
            if key not in criteria_of:
                criteria_of[key] = [c for code in key for c in by_module.get(code, [])]
            criteria = criteria_of[key]
            for _ in range(k):
                iid, vid = item_ids[slot], version_ids[slot]
                slot += 1
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
                anonymised = rng.random() < 0.8
                digest = content_hash("account", content)
                items.append(
                    {
                        "id": iid,
                        "candidate_id": person.user_id,
                        "kind": "account",
                        "created_at": stamp,
                        "anonymised_at": stamp if anonymised else None,
                        "version": 1,
                    }
                )
                versions.append(
                    {
                        "id": vid,
                        "item_id": iid,
                        "number": 1,
                        "title": content.title,
                        "activity_date": content.activity_date,
                        "context_md": content.context_md,
                        "body_md": content.body_md,
                        "content_hash": digest,
                        "created_at": stamp,
                        "created_by_id": person.user_id,
                    }
                )
                for family, code, ref in rng.sample(criteria, rng.randint(1, 2)):
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
                chain.append(
                    "evidence_added",
                    at=stamp,
                    actor_id=person.user_id,
                    actor_label=person.email,
                    actor_role="candidate",
                    object_type="EvidenceItem",
                    object_id=iid,
                    details={
                        "kind": "account",
                        "title": content.title,
                        "version": 1,
                        "content_hash": digest,
                        "blob": None,
                        "tags": [],
                        "anonymised": anonymised,
                        "source": None,
                    },
                )
        bulk.insert(items_table, items)
        bulk.insert(versions_table, versions)
        bulk.insert(CriterionMapping.__table__, mappings)
        chain.write(bulk)
        made += len(items)
    # Each item's current version, in one statement (the two tables name each other).
    if bulk.postgresql:
        sql = (
            "UPDATE evidence_items AS i SET current_version_id = v.id FROM evidence_versions AS v "
            "WHERE v.item_id = i.id AND v.number = 1 AND i.current_version_id IS NULL"
        )
    else:
        sql = (
            "UPDATE evidence_items SET current_version_id = (SELECT v.id FROM evidence_versions AS v "
            "WHERE v.item_id = evidence_items.id AND v.number = 1) WHERE current_version_id IS NULL"
        )
    db.session.execute(text(sql))
    return made


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
