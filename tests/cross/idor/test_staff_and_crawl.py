"""B2 (IDOR), the rest: staff across cohorts, ids hidden in query strings and forms, and a crawl of what
candidate A can reach, grepped for candidate B's strings. The route-by-route sweep is
in tests/cross/idor/test_route_sweep.py.

By design (portfolio/permissions.py, portfolio/apl.py): course leaders and admins see *every* cohort's
submissions and APL claims; an IQA sees those of the cohorts they are IQA of; an assessor sees only those of
the candidates allocated to them.
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import urldefrag, urlparse

from sqlalchemy import select

from core.extensions import db
from portfolio.apl.models import AplEvidence
from portfolio.evidence.models import EvidenceVersion
from tests.cross.idor.rows import victim_ids, victim_rows
from tests.cross.idor.world import A_EMAIL, ASSESSOR_1, ASSESSOR_2, B_EMAIL, MARKER, build_world
from tests.support.html import csrf_from, signed_in
from tests.support.people import CHRIS, LEADER, SAM


def _text(response) -> str:
    return response.get_data().decode("utf-8", "replace").lower()


def test_each_cohorts_assessor_sees_only_their_own_candidates_work(app):
    world = build_world(app)
    a, b = world.a, world.b
    own_urls = [f"/portfolio/submissions/{a.submission_id}", f"/portfolio/apl/{a.claim_id}"]
    # Positive control: cohort 1's assessor is allocated to A and does see A's work (and A's file in it).
    assessor1 = signed_in(app, ASSESSOR_1)
    for url in [*own_urls, f"/files/{a.file_sha256}/{a.file_version_id}"]:
        assert assessor1.get(url).status_code == 200, url
    # Cohort 1's assessor and cohort 2's: nothing of the other cohort, not even whether it exists.
    for client, victim, mark in ((assessor1, b, MARKER), (signed_in(app, ASSESSOR_2), a, "zqxalpha")):
        for url in (
            f"/portfolio/submissions/{victim.submission_id}",
            f"/portfolio/apl/{victim.claim_id}",
            f"/portfolio/apl/{victim.claim_id}/certificate",
            f"/files/{victim.file_sha256}/{victim.file_version_id}",
            f"/cohorts/{victim.cohort_id}",
            f"/cohorts/{victim.cohort_id}/release-letter",
            f"/forums/threads/{victim.thread_id}",
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert mark not in _text(response), url


def test_course_leaders_see_every_cohorts_submissions_and_iqas_only_their_cohorts(app):
    world = build_world(app)
    leader, iqa = signed_in(app, LEADER), signed_in(app, SAM)  # the IQA is IQA of cohort 1 only
    for victim, mark in ((world.a, "zqxalpha"), (world.b, MARKER)):
        for url in (
            f"/portfolio/submissions/{victim.submission_id}",
            f"/portfolio/apl/{victim.claim_id}",
        ):
            response = leader.get(url)
            assert response.status_code == 200, url
            assert mark in _text(response), url
            response = iqa.get(url)
            assert response.status_code == (200 if victim is world.a else 404), url
            assert (mark in _text(response)) is (victim is world.a), url
    for url in (
        f"/portfolio/apl/{world.b.claim_id}/certificate",
        f"/files/{world.b.file_sha256}/{world.b.file_version_id}",
    ):
        assert iqa.get(url).status_code == 404, url


def test_ids_in_query_strings_forms_and_mixed_paths_are_checked_too(app):
    world = build_world(app)
    a, b = world.a, world.b
    client = signed_in(app, A_EMAIL)
    with app.app_context():
        ids = victim_ids(b)
        before = victim_rows(b, ids)
        chris = db.session.scalar(select(db.text("id FROM users WHERE email = :e")).params(e=CHRIS))
    # Another candidate's release letter, through A's own cohort's page: B's (other cohort) or Chris's (same).
    for candidate in (b.user_id, chris):
        response = client.get(f"/cohorts/{a.cohort_id}/release-letter?candidate={candidate}")
        assert response.status_code == 404, candidate
    # A's own file hash with B's version id, and B's hash with A's version id.
    assert client.get(f"/files/{a.file_sha256}/{b.file_version_id}").status_code == 404
    assert client.get(f"/files/{b.file_sha256}/{a.file_version_id}").status_code == 404
    # B's session under A's own cohort.
    token = csrf_from(client.get("/account").get_data(as_text=True))
    for action in ("book", "cancel"):
        response = client.post(
            f"/cohorts/{a.cohort_id}/sessions/{b.session_id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 404, action
    # B's recovery copy under A's own activity; B's evidence offered in A's own APL claim.
    reflection = world.content["reflection"]
    dismiss = f"/study/CCQ/M01/{reflection}/recoveries/{b.recovery_id}/dismiss"
    assert client.post(dismiss, data={"csrf_token": token}).status_code == 404
    claim = client.post(
        f"/portfolio/apl/new/{a.cohort_id}/M03",
        data={
            "csrf_token": token,
            "scope": "outcome",
            "outcome": "M03.1",
            "experience": "I did this with my own pupils.",
            "evidence": [str(b.item_id)],
            "action": "submit",
        },
    )
    assert claim.status_code == 422
    assert MARKER not in _text(claim)
    with app.app_context():
        b_versions = select(EvidenceVersion.id).where(EvidenceVersion.item_id.in_(ids["items"]))
        assert db.session.scalar(select(db.func.count()).where(AplEvidence.version_id.in_(b_versions))) == 0
        assert victim_rows(b, ids) == before


_LINK = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
_SKIP = ("/logout", "/static/")


def _links(response) -> list[str]:
    found = []
    for raw in _LINK.findall(response.get_data(as_text=True)):
        url = urldefrag(raw.replace("&amp;", "&")).url
        parsed = urlparse(url)
        if parsed.scheme or parsed.netloc or not url.startswith("/") or url.startswith(_SKIP):
            continue
        found.append(url)
    return found


def _body(response) -> str:
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()).lower()
    return _text(response)


def test_no_page_candidate_a_can_reach_shows_anything_of_candidate_b(app):
    # From the home page's links, two more levels of links (home -> forums -> forum -> thread).
    world = build_world(app)
    client = signed_in(app, A_EMAIL)
    with app.app_context():
        ids = victim_ids(world.b)
        before = victim_rows(world.b, ids)
    home = client.get("/")
    level_one = list(dict.fromkeys(_links(home)))
    seen, problems = {"/"}, []
    frontier = level_one
    for depth in (1, 2, 3):
        following = []
        for url in frontier:
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            body = _body(response)
            if response.status_code >= 500:
                problems.append(f"{url}: {response.status_code}")
            shown = [s for s in (MARKER, B_EMAIL) if s in body]
            if shown:
                problems.append(f"{url}: shows {shown}")
            if depth < 3 and response.mimetype == "text/html":
                following += _links(response)
        frontier = list(dict.fromkeys(following))
    assert len(seen) >= 40, sorted(seen)
    # A's own things are among the pages reached: the crawl went where B's would be if they leaked.
    for path in (
        f"/portfolio/items/{world.a.item_id}",
        f"/forums/threads/{world.a.thread_id}",
        f"/cohorts/{world.a.cohort_id}",
        f"/portfolio/submissions/{world.a.submission_id}",
        f"/portfolio/apl/{world.a.claim_id}",
        "/notifications/",
        "/study/planner",
        "/portfolio/export",
    ):
        assert path in seen, path
    assert problems == []
    with app.app_context():
        assert victim_rows(world.b, ids) == before
