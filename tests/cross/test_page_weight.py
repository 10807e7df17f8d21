"""Pages stay light for slow connections: no page over 150 KB before images (issue 4's quality bar)."""

from __future__ import annotations

from tests.support.demo import demo_fixture, load_demo_data
from tests.support.html import login

LIMIT = 150 * 1024
PAGES = [
    ("candidate@school.example", "/"),
    ("candidate@school.example", "/study/CCQ/M01"),
    ("candidate@school.example", "/study/CCQ/M02/20"),
    ("candidate@school.example", "/study/planner?minutes=40"),
    ("candidate@school.example", "/cohorts/1"),
    ("candidate@school.example", "/cohorts/1/pathway"),
    ("leader@northmoor.example", "/qualifications/CCQ/v1"),
    ("leader@northmoor.example", "/authoring/CCQ/M01"),
    ("leader@northmoor.example", "/cohorts/1/report"),
    (None, "/catalogue/CCQ/MA"),
    ("candidate@school.example", "/portfolio/"),
    ("candidate@school.example", "/portfolio/modules/CCQ/M01"),
    (None, "/login"),
]


demo = demo_fixture(load_demo_data)


def test_pages_weigh_under_150_kb_with_their_css_and_js(demo):
    clients = {}
    for email, url in PAGES:
        if email not in clients:
            clients[email] = demo.test_client()
            if email:
                login(clients[email], email, "waymark-demo-2026")
        response = clients[email].get(url)
        assert response.status_code == 200, url
        assets = sum(
            len(demo.test_client().get(path).data) for path in ("/static/css/app.css", "/static/js/app.js")
        )
        assert len(response.data) + assets < LIMIT, f"{url}: {len(response.data) + assets} bytes"
