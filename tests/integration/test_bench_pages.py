"""`make bench` measures pages on a data set it prepares itself: that preparation, each measured page and the
booking POSTs it sends (each person books several of the upcoming sessions) work on a small data set."""

from __future__ import annotations

from bench import dataset, web
from tests.conftest import make_config
from tests.support.databases import migrate, sqlite_url
from tracker import create_app


def test_the_bench_prepares_its_pages_and_each_booker_books_several_sessions(tmp_path):
    url = sqlite_url(tmp_path, "bench.db")
    app = create_app(make_config(url))
    migrate(app)
    with app.app_context():
        from tracker.extensions import db

        with db.engine.begin() as connection:
            dataset.build(connection, dataset.FULL.times(0.01))
        db.session.remove()
        db.engine.dispose()

    bench_app = web.create_bench_app(url, csrf=False)
    data = web.prepare(bench_app, 0.01)
    counts = web.count_statements(bench_app, data)  # each page answers 200, the booking POSTs 302

    assert set(counts) == {*data.pages(), "Booking POST"}
    times = web.page_times({"small": (bench_app, data)}, requests=2)  # each page answers 200 each time
    assert set(times) == {*data.pages(), *data.listing_pages()} and all(
        by_size["small"] > 0 for by_size in times.values()
    )
    client = web._signed_in_client(bench_app, data.bookers[0])
    booked_before = web.count_bookings_by(bench_app, data.bookers[:1])
    for session_id in data.upcoming_session_ids[:3]:
        assert client.post(f"/sessions/{session_id}/book").status_code == 302
    assert web.count_bookings_by(bench_app, data.bookers[:1]) == booked_before + 3
    with bench_app.app_context():
        from tracker.extensions import db

        db.session.remove()
        db.engine.dispose()
