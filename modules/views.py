"""The `modules` blueprint. Its pages arrive with the issue that builds this area."""

from flask import Blueprint

bp = Blueprint("modules", __name__, url_prefix="/modules")
