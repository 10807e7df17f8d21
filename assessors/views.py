"""The `assessors` blueprint. Its pages arrive with the issue that builds this area."""

from flask import Blueprint

bp = Blueprint("assessors", __name__, url_prefix="/assessors")
