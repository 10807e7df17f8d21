"""The `portfolio` blueprint. Its pages arrive with the portfolio issue's views modules."""

from flask import Blueprint

from portfolio import models  # noqa: F401  (registers the portfolio tables with the metadata)

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
