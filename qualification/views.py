"""The `qualification` blueprint. Its pages arrive with the issue that builds this area."""

from flask import Blueprint

bp = Blueprint("qualification", __name__, url_prefix="/qualification")
