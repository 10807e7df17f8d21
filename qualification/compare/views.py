"""Course leaders compare two versions of a qualification (`versions` blueprint)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from core.errors import http_error
from core.web.access import rule
from qualification.compare.rules import compare_specs
from qualification.permissions import EDITORS
from qualification.versions.queries import find_version
from qualification.versions.services import spec_of_version

bp = Blueprint("compare", __name__, url_prefix="/qualifications")


def _number_arg(name: str) -> int | None:
    """The version number in a query argument, None when absent; 400 when it is not a whole number."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    # isascii: int() would also take other scripts' digits, which nobody types into this form.
    if not (raw.isascii() and raw.isdigit()):
        raise http_error(400, f'"{name}" must be a version number, such as 1 or 2, not "{raw[:20]}".')
    return int(raw)


@bp.route("/<code>/compare")
@rule(EDITORS)
def compare(code: str):
    # Parse before looking anything up, so a malformed link is a 400 whatever the code.
    wanted_from, wanted_to = _number_arg("from"), _number_arg("to")
    newest = find_version(code)
    if newest is None:
        abort(404)
    versions = sorted(newest.qualification.versions, key=lambda v: v.number)
    by_number = {v.number: v for v in versions}
    if (wanted_from is not None and wanted_from not in by_number) or (
        wanted_to is not None and wanted_to not in by_number
    ):
        abort(404)
    title = versions[-1].title
    if len(versions) < 2:
        return render_template(
            "qualification/compare/compare.html", code=code, title=title, versions=versions
        )
    to = by_number[wanted_to] if wanted_to is not None else versions[-1]
    if wanted_from is not None:
        from_ = by_number[wanted_from]
    else:
        earlier = [v for v in versions if v.number < to.number]
        from_ = earlier[-1] if earlier else to
    comparison = compare_specs(spec_of_version(from_), spec_of_version(to))
    return render_template(
        "qualification/compare/compare.html",
        code=code,
        title=title,
        versions=versions,
        from_version=from_,
        to_version=to,
        comparison=comparison,
    )
