"""The public catalogue (`qualification.catalogue`): the published awards, for anyone, signed in or not."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from core.web.access import PUBLIC, rule
from qualification.versions.models import VersionStatus
from qualification.versions.queries import find_version, list_qualifications
from qualification.versions.services import (
    spec_of_version,
)

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


@bp.route("/")
@rule(PUBLIC)
def index():
    offers = []
    for qualification in list_qualifications():
        version = find_version(qualification.code)
        if version is not None and version.status == VersionStatus.PUBLISHED:
            offers.append((version, spec_of_version(version)))
    return render_template("qualification/catalogue/index.html", offers=offers)


@bp.route("/<code>/<award_code>")
@rule(PUBLIC)
def show_award(code: str, award_code: str):
    version = find_version(code)
    if version is None or version.status != VersionStatus.PUBLISHED:
        abort(404)
    spec = spec_of_version(version)
    award = next((a for a in spec.awards if a.code == award_code), None)
    if award is None:
        abort(404)
    modules = {m.code: m for m in spec.modules}
    awards = {a.code: a for a in spec.awards}
    leads_from = [a for a in spec.awards if award.code in a.progression]
    return render_template(
        "qualification/catalogue/award.html",
        version=version,
        spec=spec,
        award=award,
        modules=modules,
        awards=awards,
        leads_from=leads_from,
        module_codes=[*award.compulsory, *(code for group in award.options for code in group.modules)],
    )
