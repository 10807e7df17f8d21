"""core.forms.submit: every outcome of one form submission, in one table."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField
from wtforms.validators import DataRequired

from core.accounts.models import User
from core.errors import EditConflict, InvalidTransition, PermissionDenied, ValidationFailed
from core.extensions import db
from core.forms import STALE, submit, whole


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired(message="Enter a name.")])


def _rename(user_id, then=None):
    """A service: renames the user (flushes, never commits), then optionally refuses."""

    def call():
        db.session.get(User, user_id).name = "Renamed"
        db.session.flush()
        if then is not None:
            raise then
        return "result"

    return call


# (method, form data, what the service raises, conflicts=) -> (truthy, status, saved, name errors, message)
CASES = [
    pytest.param("POST", {"name": "x"}, None, False, (True, 200, True, [], None), id="committed"),
    pytest.param("GET", {}, None, False, (False, 200, False, [], None), id="get-shows-the-form"),
    pytest.param(
        "POST", {"name": ""}, None, False, (False, 422, False, ["Enter a name."], None), id="form-invalid"
    ),
    pytest.param(
        "POST",
        {"name": "x"},
        ValidationFailed({"name": "Taken."}),
        False,
        (False, 422, False, ["Taken."], "Taken."),
        id="service-refuses-a-field",
    ),
    pytest.param(
        "POST",
        {"name": "x"},
        ValidationFailed("Not now."),
        False,
        (False, 422, False, [], "Not now."),
        id="service-refuses-the-form",
    ),
    pytest.param(
        "POST",
        {"name": "x"},
        EditConflict("Changed meanwhile."),
        True,
        (False, 409, False, [], "Changed meanwhile."),
        id="edit-conflict",
    ),
    pytest.param(
        "POST",
        {"name": "x"},
        InvalidTransition("Already done."),
        True,
        (False, 409, False, [], "Already done."),
        id="invalid-transition",
    ),
    pytest.param(
        "POST", {"name": "x"}, StaleDataError(), True, (False, 409, False, [], STALE), id="stale-write"
    ),
]


@pytest.mark.parametrize(("method", "data", "raises", "conflicts", "expected"), CASES)
def test_submit_outcomes(app, candidate, method, data, raises, conflicts, expected):
    truthy, status, saved, name_errors, message = expected
    with app.test_request_context("/", method=method, data=data):
        form = NameForm()
        done = submit(form, _rename(candidate.id, raises), conflicts=conflicts)
        assert bool(done) is truthy
        assert done.status == status
        assert list(form.name.errors) == name_errors
        assert done.message == message
        assert done.result == ("result" if truthy else None)
        if raises is not None and not isinstance(raises, ValidationFailed | StaleDataError):
            assert done.conflict == message
    with app.app_context():
        assert (db.session.get(User, candidate.id).name == "Renamed") is saved


def test_submit_without_a_form_keeps_the_errors_on_the_outcome(app, candidate):
    with app.test_request_context("/", method="POST"):
        done = submit(None, _rename(candidate.id, ValidationFailed({"": "Whole form.", "x": "A field."})))
        assert done.status == 422
        assert done.errors == {"": "Whole form.", "x": "A field."}
    with app.app_context():
        assert db.session.get(User, candidate.id).name == "Casey Candidate"


def test_submit_can_skip_validation_when_the_service_checks(app, candidate):
    with app.test_request_context("/", method="POST", data={"name": ""}):
        assert submit(NameForm(), _rename(candidate.id), validate=False)


@pytest.mark.parametrize(
    "raises", [PermissionDenied("No."), InvalidTransition("Too late."), StaleDataError()], ids=str
)
def test_submit_leaves_refusals_to_the_error_pages(app, candidate, raises):
    # Without conflicts=True, 409s go to the 409 page; PermissionDenied always goes to the 403 page.
    with app.test_request_context("/", method="POST", data={"name": "x"}), pytest.raises(type(raises)):
        submit(NameForm(), _rename(candidate.id, raises))


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("0", 0), ("", None), (None, None), ("-1", None)])
def test_whole_reads_hidden_numbers(value, expected):
    assert whole(value) == expected
