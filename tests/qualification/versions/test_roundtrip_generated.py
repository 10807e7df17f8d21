"""Export of an imported version gives back the same document, for generated specs too (via the database)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.extensions import db
from qualification.spec import METHODS, parse_spec, spec_to_document
from qualification.versions.models import QualificationVersion
from qualification.versions.services import import_spec, spec_of_version

_codes = itertools.count(1)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip()
)


@st.composite
def documents(draw):
    """A valid qualification-spec/1 document with 1-4 modules and one satisfiable award."""
    modules = []
    for m in range(draw(st.integers(1, 4))):
        code = f"M{m + 1}"
        outcomes = []
        for o in range(draw(st.integers(1, 3))):
            criteria = [
                {
                    "ref": f"{code}.{o + 1}.{c + 1}",
                    "text": draw(TEXT),
                    "methods": draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True)),
                }
                for c in range(draw(st.integers(1, 3)))
            ]
            outcomes.append({"ref": f"{code}.{o + 1}", "text": draw(TEXT), "criteria": criteria})
        modules.append(
            {
                "code": code,
                "title": draw(TEXT),
                "level": draw(st.integers(3, 8)),
                "credits": draw(st.integers(1, 60)),
                "summary": draw(st.text(max_size=80)),
                "cpd": draw(st.booleans()),
                "outcomes": outcomes,
            }
        )
    credits = sum(m["credits"] for m in modules)
    award = {
        "code": "AW",
        "title": draw(TEXT),
        "level": draw(st.integers(3, 8)),
        "credits": credits,
        "apl_max_credits": draw(st.integers(0, credits)),
        "compulsory": [m["code"] for m in modules],
        "options": [],
        "includes": [],
        "progression": [],
    }
    return {
        "format": "qualification-spec/1",
        "code": f"GEN-{next(_codes)}",
        "title": draw(TEXT),
        "provider": draw(st.none() | TEXT),
        "modules": modules,
        "awards": [award],
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents())
def test_generated_specs_round_trip_through_the_database(app, document):
    spec = parse_spec(document)
    with app.app_context():
        version = import_spec(None, spec, publish=True)
        db.session.commit()
        version_id = version.id
        db.session.expire_all()
        stored = db.session.get(QualificationVersion, version_id)
        assert spec_to_document(spec_of_version(stored)) == spec_to_document(spec)
        db.session.rollback()
