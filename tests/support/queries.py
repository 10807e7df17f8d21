"""Query budgets: how many SQL statements a page costs."""

from __future__ import annotations

from core.db.querycount import count_queries
from core.extensions import db


def statements_run(app, client, url: str) -> list[str]:
    """GET the page (it must answer 200); the SQL statements it ran."""
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return list(statements)


def statements_for(app, client, url: str) -> int:
    """GET the page (it must answer 200) and count the SQL statements it ran."""
    return len(statements_run(app, client, url))
