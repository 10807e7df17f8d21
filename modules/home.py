"""The candidate's "what do I do tonight?" panel on the home page."""

from __future__ import annotations

from core.accounts.roles import Role
from modules.queries import overview


def study_panel(user) -> dict | None:
    """Progress per module and the next activity, for a candidate; None for anyone else."""
    if not user.has_role(Role.CANDIDATE):
        return None
    return {"template": "study/_home_panel.html", "overview": overview(user.id)}
