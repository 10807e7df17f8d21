"""The `portfolio` blueprint. Its pages arrive with the issue that builds this area."""

from flask import Blueprint

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
