"""Files attached to a lesson or resource: adds the attach and remove routes to the authoring blueprint."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request
from flask_login import current_user

from core.access import rule
from modules import content_files
from modules.authoring_views import (
    ACTIVITY,
    AUTHORS,
    _activity,
    _activity_page,
    _activity_url,
    _attempt,
    _found,
    _module_or_404,
    bp,
)


def _on_files(module, activity, call: Callable, message):
    activity_id = activity.id
    result, status, problem = _attempt(call)
    if status == 422:
        activity = _activity(module.family, module.code, activity_id)
        return _activity_page(module, activity, None, 422, problems=problem.errors.values())
    flash(message(result) if callable(message) else message, "success")
    return redirect(_activity_url(activity, "files"))


@bp.route(ACTIVITY + "/files", methods=["POST"])
@rule(AUTHORS)
def attach_file(family: str, code: str, activity_id: int):
    module, activity = _module_or_404(family, code), _activity(family, code, activity_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _activity_page(module, activity, None, 422, problems=["Choose a file to attach."])
    return _on_files(
        module,
        activity,
        lambda: content_files.attach_file(current_user, activity, upload.stream, upload.filename),
        lambda f: f"Attached “{f.name}”.",
    )


@bp.route(ACTIVITY + "/files/<int:file_id>/remove", methods=["POST"])
@rule(AUTHORS)
def remove_file(family: str, code: str, activity_id: int, file_id: int):
    module, activity = _module_or_404(family, code), _activity(family, code, activity_id)
    attached = _found(content_files.file_of(activity, file_id), "file")
    name = attached.name
    return _on_files(
        module, activity, lambda: content_files.remove_file(current_user, attached), f"Removed “{name}”."
    )
