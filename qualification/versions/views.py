"""Course leaders' qualification pages (`qualification`) and the public catalogue (`catalogue`)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user

from core.extensions import db
from core.forms import answer, submit, values
from core.web.access import rule
from qualification.permissions import EDITORS
from qualification.spec import SpecInvalid, award_satisfiability, parse_spec, spec_to_document
from qualification.spec.documents import load_document
from qualification.spec.words import problems_in_words
from qualification.versions.forms import DetailsForm, ImportSpecForm, QualificationForm
from qualification.versions.models import VersionStatus
from qualification.versions.queries import list_qualifications, version_or_404
from qualification.versions.services import (
    create_qualification,
    import_spec,
    publish_version,
    spec_of_version,
    update_details,
)

bp = Blueprint("versions", __name__, url_prefix="/qualifications")


@bp.route("/")
@rule(EDITORS)
def list_all():
    return render_template("qualification/versions/list.html", qualifications=list_qualifications())


@bp.route("/new", methods=["GET", "POST"])
@rule(EDITORS)
def new_qualification():
    form = QualificationForm()
    return answer(
        submit(form, lambda: create_qualification(current_user, **values(form, "code", "title", "provider"))),
        lambda made: (
            f"{made.qualification.code} created as a draft. Add its modules and awards, then publish it."
        ),
        lambda made: url_for("qualification.versions.show_version", code=made.qualification.code, number=1),
        lambda refused: (render_template("qualification/versions/new.html", form=form), refused.status),
    )


@bp.route("/<code>/v<int:number>/details", methods=["POST"])
@rule(EDITORS)
def update_version_details(code: str, number: int):
    version = version_or_404(code, number)
    form = DetailsForm()
    return answer(
        submit(
            form,
            lambda: update_details(
                current_user, version, **values(form, "title", "provider"), expected=int(form.version.data)
            ),
            conflicts=True,
        ),
        "Title and provider saved.",
        url_for("qualification.versions.show_version", code=code, number=number),
        lambda refused: _details_again(code, number, form, refused),
    )


def _details_again(code: str, number: int, form: DetailsForm, refused):
    """The version's page again with the details as typed, and why they were not saved."""
    if refused.conflict:
        form.form_errors.append(refused.conflict)
    return _version_page(version_or_404(code, number), status=refused.status, details_form=form)


@bp.route("/import", methods=["GET", "POST"])
@rule(EDITORS)
def import_document():
    form = ImportSpecForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.document.data
        raw = upload.read() if upload else (form.text.data or "").encode()
        if not raw.strip():
            problems = ["Choose a spec file or paste the JSON."]
        else:
            document = None
            try:
                document = load_document(raw)
                spec = parse_spec(document)
            except SpecInvalid as exc:
                problems = problems_in_words(exc.problems, document)
            else:
                version = import_spec(current_user, spec, publish=bool(form.publish.data))
                db.session.commit()
                flash(f"Imported {spec.code} as version {version.number} ({version.status}).", "success")
                return redirect(
                    url_for("qualification.versions.show_version", code=spec.code, number=version.number)
                )
    status = 422 if problems else 200
    return render_template("qualification/versions/import.html", form=form, problems=problems), status


@bp.route("/<code>/v<int:number>")
@rule(EDITORS)
def show_version(code: str, number: int):
    return _version_page(version_or_404(code, number))


def _version_page(version, problems: list[str] | None = None, status: int = 200, details_form=None):
    spec = spec_of_version(version)
    if details_form is None:
        details_form = DetailsForm(
            formdata=None, title=version.title, provider=version.provider, version=str(version.version)
        )
    credits = {m.code: m.credits for m in spec.modules}
    awards = {a.code: a for a in spec.awards}
    checks = {a.code: award_satisfiability(a, credits, awards) for a in spec.awards}
    return render_template(
        "qualification/versions/version.html",
        version=version,
        spec=spec,
        checks=checks,
        modules={m.code: m for m in spec.modules},
        VersionStatus=VersionStatus,
        problems=problems or [],
        details_form=details_form,
    ), status


@bp.route("/<code>/v<int:number>/publish", methods=["POST"])
@rule(EDITORS)
def publish(code: str, number: int):
    version = version_or_404(code, number)
    try:
        publish_version(current_user, version)
    except SpecInvalid as exc:
        # Not submit(): a spec's refusal is a list of problems for the page, not errors on a form's fields.
        db.session.rollback()
        return _version_page(version_or_404(code, number), exc.problems, 422)
    db.session.commit()
    flash(f"Version {number} of {code} is published.", "success")
    return redirect(url_for("qualification.versions.show_version", code=code, number=number))


@bp.route("/<code>/v<int:number>/export.json")
@rule(EDITORS)
def export(code: str, number: int):
    version = version_or_404(code, number)
    body = json.dumps(spec_to_document(spec_of_version(version)), indent=2, ensure_ascii=False)
    filename = f"{code}-v{number}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
