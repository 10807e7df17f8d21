"""The benchmark's bookkeeping (issue 15): ratios compared unrounded, every target that was not run reported
as a failure, writes in flight counted, OFFSETs read from the bound values. No server is started here."""

from __future__ import annotations

from bench.run import TARGETS, WORKLOAD_IDS, Pass, check_targets, compare_with_m
from bench.sqlcheck import offset_of
from bench.workloads import in_flight


def _w1(ratio: float) -> dict:
    return {
        "p95_ms": 10.0,
        "queries": 7,
        "queries_constant": True,
        "errors": 0,
        "ratio_to_w0": ratio,
    }


def test_a_ratio_just_under_the_target_fails_it():
    rows = check_targets({"W1": _w1(0.1496)}, "M")
    ratio = next(r for r in rows if r["workload"] == "W1" and "0.15" in r["target"])
    assert ratio["value"] == 0.1496
    assert ratio["result"] == "FAIL"


def test_requests_per_second_are_kept_unrounded():
    measured = Pass(clients=1, count=1000, seconds=6.666)
    assert measured.summary()["requests_per_s"] == 1000 / 6.666


def test_every_target_of_a_workload_not_run_is_reported_not_run():
    rows = check_targets({"W1": _w1(0.2)}, "M")
    for wid in WORKLOAD_IDS:
        if wid == "W1":
            continue
        mine = [r for r in rows if r["workload"] == wid]
        assert mine, f"{wid} has no row"
        assert all(r["result"] == "not run" for r in mine), wid
    assert {r["target"] for r in rows if r["workload"] == "W7"} >= {"memory growth <= 3%"}
    assert len([t for t in TARGETS if t[0] == "W8"]) == len([r for r in rows if r["workload"] == "W8"])


def test_a_target_not_measured_in_a_run_is_not_a_pass():
    w3 = {"p95_ms": 20.0, "queries": 5, "queries_constant": True, "errors": 0, "offset_statements": 0}
    rows = check_targets({"W3": w3}, "M")
    scale = next(r for r in rows if r["target"] == "p95 at L <= 1.5 x p95 at M")
    assert scale["result"] == "not run"
    assert w3["targets_pass"] is False


def test_overlapping_posts_are_counted_as_in_flight_together():
    assert in_flight([(0.0, 1.0), (2.0, 3.0)]) == 1
    assert in_flight([(0.0, 2.0), (1.0, 3.0), (1.5, 1.6)]) == 3


def test_an_offset_counts_only_when_it_skips_rows():
    sqlite = "SELECT id FROM submissions ORDER BY id LIMIT ? OFFSET ?"
    assert offset_of(sqlite, (50, 0)) == 0
    assert offset_of(sqlite, (50, 100)) == 100
    assert offset_of("SELECT 1 LIMIT %(l)s OFFSET %(o)s", {"l": 50, "o": 250}) == 250
    assert offset_of("SELECT 1 FROM t LIMIT 50 OFFSET 5000", ()) == 5000
    assert offset_of("SELECT 1 FROM t WHERE (a, b) > (?, ?) LIMIT ?", (1, 2, 51)) == 0


def _w3(p95: float) -> dict:
    return {
        "p95_ms": p95,
        "queries": 7,
        "queries_constant": True,
        "errors": 0,
        "offset_statements": 0,
        "not_measured": {"l_over_m": "needs a tier L run given the tier M run's JSON"},
    }


def _l_over_m(rows) -> dict:
    return next(r for r in rows if r["workload"] == "W3" and "at L" in r["target"])


def test_queue_at_l_is_compared_with_the_m_run_of_the_same_database():
    tier_m = {"tier": "M", "runs": {"sqlite": {"workloads": {"W3": {"p95_ms": 40.0}}}}}
    slow, fast = {"W3": _w3(61.0)}, {"W3": _w3(59.0)}
    compare_with_m(slow, tier_m, "sqlite")
    compare_with_m(fast, tier_m, "sqlite")
    assert _l_over_m(check_targets(slow, "L"))["result"] == "FAIL"  # 1.525
    assert _l_over_m(check_targets(fast, "L"))["result"] == "pass"  # 1.475
    # No M figure for this database: not run, never a pass.
    other = {"W3": _w3(10.0)}
    compare_with_m(other, tier_m, "postgresql")
    assert _l_over_m(check_targets(other, "L"))["result"] == "not run"
