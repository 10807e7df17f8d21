"""What `flask demo load` says about multi-factor sign-in, so a newcomer's demo logins are not a surprise."""

from __future__ import annotations

from flask import current_app

from core.accounts.models import Role


def demo_notice() -> str:
    """One line: whether the demo's staff are asked to set up an authenticator app after their password."""
    required = current_app.config["WAYMARK_MFA_REQUIRED_ROLES"]
    if not required:
        return (
            "Multi-factor sign-in is NOT required here (WAYMARK_MFA_REQUIRED_ROLES is empty, as ./run.sh "
            "sets it for the demo); production requires it for administrators, course leaders, IQAs and "
            "examiners. "
            "Anyone may turn it on from their account page."
        )
    labels = ", ".join(Role(r).label.lower() for r in required)
    return (
        f"Multi-factor sign-in is required for: {labels}. Those demo logins are asked to set up an "
        "authenticator app after their password."
    )
