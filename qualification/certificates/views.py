"""Certificates (`certificates` blueprint): the certificate and its transcript as PDF, for the candidate and
the staff who may see their transcript; the candidate's choices about how theirs reads; and the public check
(/verify) that anyone handed a certificate can use without an account.

The public pages send no Referer and ask search engines not to index them: a number in their address is
somebody's certificate. Look-ups that could be guesses are counted per address (services.look_up).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from core.accounts.services.sessions import LoginThrottled
from core.db.timeutil import UK
from core.extensions import db
from core.files.downloads import content_disposition
from core.forms import submit
from core.web.access import PUBLIC, SIGNED_IN, rule
from core.web.pdf import html_to_pdf
from core.web.qr import qr_data_uri
from core.web.urls import absolute_url
from qualification.certificates import services
from qualification.certificates.forms import NOT_A_NUMBER, DisplayForm, NameCheckForm, NumberForm
from qualification.certificates.models import Certificate
from qualification.certificates.permissions import can_choose_display, can_download
from qualification.certificates.queries import certificate_or_404
from qualification.certificates.rules import frozen_transcript, normalise_number
from qualification.cohorts.queries import cohort_roles

bp = Blueprint("certificates", __name__)


# The candidate's and their staff's downloads ------------------------------------------------------------


def _downloadable(certificate_id: int) -> Certificate:
    certificate = certificate_or_404(certificate_id)
    # 404, not 403: another candidate must not learn that this certificate exists.
    roles = cohort_roles(certificate.cohort_id, certificate.candidate_id)
    if not can_download(current_user, certificate, roles):
        abort(404)
    return certificate


def _revoked_on(certificate: Certificate):
    return certificate.revoked_at.astimezone(UK).date() if certificate.revoked_at else None


def _pdf(certificate: Certificate, template: str, file_name: str):
    if not certificate.is_valid:
        # A registry does not hand out copies of a revoked award, stamped or not.
        page = render_template(
            "qualification/certificates/revoked.html", c=certificate, revoked_on=_revoked_on(certificate)
        )
        return page, 410
    link = absolute_url("qualification.certificates.show_verification", number=certificate.number)
    html = render_template(
        template,
        c=certificate,
        university=current_app.config["WAYMARK_UNIVERSITY"],
        verify_link=link,
        verify_page=absolute_url("qualification.certificates.verify"),
        qr=qr_data_uri(link),
        transcript=frozen_transcript(certificate.snapshot),
    )
    pdf = html_to_pdf(html, static_folder=current_app.static_folder)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(f"{file_name} {certificate.number}.pdf")
    return response


@bp.route("/certificates/<int:certificate_id>/certificate.pdf")
@rule(SIGNED_IN)
def download_certificate(certificate_id: int):
    certificate = _downloadable(certificate_id)
    return _pdf(certificate, "qualification/certificates/certificate_pdf.html", "Certificate")


@bp.route("/certificates/<int:certificate_id>/transcript.pdf")
@rule(SIGNED_IN)
def download_transcript(certificate_id: int):
    certificate = _downloadable(certificate_id)
    return _pdf(certificate, "qualification/certificates/transcript_pdf.html", "Transcript")


@bp.route("/certificates/<int:certificate_id>/display", methods=["GET", "POST"])
@rule(SIGNED_IN)
def choose_display(certificate_id: int):
    certificate = certificate_or_404(certificate_id)
    if not can_choose_display(current_user, certificate):
        # Staff who may see the certificate are told they cannot change it; anyone else learns nothing.
        roles = cohort_roles(certificate.cohort_id, certificate.candidate_id)
        abort(403 if can_download(current_user, certificate, roles) else 404)
    form = DisplayForm(obj=certificate, name=certificate.name_on_certificate)
    outcome = submit(
        form,
        lambda: services.choose_display(
            certificate,
            actor=current_user,
            name=form.name.data,
            show_name=form.show_name.data,
            show_modules=form.show_modules.data,
        ),
    )
    if outcome:
        flash("Your choices for this certificate are saved.", "success")
        return redirect(url_for(".choose_display", certificate_id=certificate.id))
    return render_template(
        "qualification/certificates/display.html",
        c=certificate,
        form=form,
        verify_link=url_for(".show_verification", number=certificate.number),
    ), outcome.status


# The public check ---------------------------------------------------------------------------------------


def _public(body, status: int = 200, headers: dict | None = None):
    response = make_response(body, status, headers or {})
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _client_ip() -> str:
    # ProxyFix has already applied the trusted X-Forwarded-For hops (WAYMARK_PROXY_HOPS).
    return request.remote_addr or "unknown"


def _throttled(exc: LoginThrottled):
    db.session.rollback()
    problem = (
        "Too many certificate checks have come from your network recently. To protect the people whose "
        f"certificates these are, wait {exc.minutes} minutes and try again."
    )
    page = render_template("qualification/certificates/verify.html", form=NumberForm(), problem=problem)
    return _public(page, 429, {"Retry-After": str(exc.minutes * 60)})


def _not_found(typed: str):
    form = NumberForm(formdata=None, number=normalise_number(typed) or "")
    return _public(render_template("qualification/certificates/not_found.html", form=form), 404)


def _result(certificate: Certificate, name_form: NameCheckForm | None = None, matched: bool | None = None):
    page = render_template(
        "qualification/certificates/verified.html",
        c=certificate,
        university=current_app.config["WAYMARK_UNIVERSITY"],
        revoked_on=_revoked_on(certificate),
        transcript=frozen_transcript(certificate.snapshot) if certificate.show_modules else None,
        name_form=name_form or NameCheckForm(formdata=None),
        matched=matched,
    )
    return _public(page, 422 if name_form is not None and name_form.errors else 200)


@bp.route("/verify")
@rule(PUBLIC)
def verify():
    form = NumberForm(request.args)
    if "number" not in request.args:
        return _public(render_template("qualification/certificates/verify.html", form=form))
    if form.validate():
        number = normalise_number(form.number.data)
        if number is not None:
            return redirect(url_for(".show_verification", number=number))
        form.number.errors = [NOT_A_NUMBER]
    return _public(render_template("qualification/certificates/verify.html", form=form), 400)


@bp.route("/verify/<number>")
@rule(PUBLIC)
def show_verification(number: str):
    canonical = normalise_number(number)
    if canonical is not None and canonical != number:
        # The printed form, whatever was typed (lower case, spaces, O for 0): one address per certificate.
        return redirect(url_for(".show_verification", number=canonical))
    try:
        certificate = services.look_up(number, ip=_client_ip())
    except LoginThrottled as exc:
        return _throttled(exc)
    db.session.commit()  # keep the count of a number that is no certificate's
    if certificate is None:
        return _not_found(number)
    return _result(certificate)


@bp.route("/verify/<number>/name", methods=["POST"])
@rule(PUBLIC)
def check_name(number: str):
    form = NameCheckForm()
    try:
        certificate = services.look_up(number, ip=_client_ip())
        matched = None
        if certificate is not None and form.validate_on_submit():
            matched = services.check_name(certificate, form.name.data, ip=_client_ip())
    except LoginThrottled as exc:
        return _throttled(exc)
    db.session.commit()
    if certificate is None:
        return _not_found(number)
    return _result(certificate, form, matched)
