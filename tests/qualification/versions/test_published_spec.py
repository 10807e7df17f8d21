"""A published version's spec is read once per worker (the cohort report asked for the whole qualification
tree on every request); a draft's, which its editor still changes, is read every time."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts.models import User
from core.db.querycount import count_queries
from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.editor.services.drafts import start_draft
from qualification.versions.services import published_spec, update_details
from tests.support.people import LEADER
from tests.support.transcript import load_demo_world


def test_a_published_versions_spec_is_read_once_and_a_drafts_every_time(app):
    load_demo_world(app)
    with app.app_context():
        version = db.session.scalars(select(Cohort)).one().qualification_version
        first = published_spec(version)
        with count_queries(db.engine) as statements:
            again = published_spec(version)
        assert again is first
        assert statements == []

        leader = db.session.scalar(select(User).where(User.email == LEADER))
        draft = start_draft(leader, version)
        db.session.commit()
        assert published_spec(draft).title == version.title
        update_details(leader, draft, title="Renamed draft", provider=None, expected=draft.version)
        db.session.commit()
        assert published_spec(draft).title == "Renamed draft"
        # The published version it came from is as it was.
        assert published_spec(version) is first
