"""The operations page ("Surveillance") in the admin: what it shows, and to whom."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from yoozak.extensions import db
from yoozak.maintenance.tasks import OPERATIONS_URL
from yoozak.models import LinkRun, ReviewItem, SlowRequest, TaskRun
from yoozak.monitoring.overview import bar_step, link_trend, unlinked_by_age
from yoozak.timeutil import utcnow

URL = "/admin/surveillance/"


@pytest.fixture
def ops(factories):
    now = utcnow()
    db.session.add_all(
        [
            TaskRun(
                task="refresh-stats",
                started_at=now - timedelta(hours=2),
                finished_at=now - timedelta(hours=2) + timedelta(seconds=3),
                outcome="ok",
                counts={"clients": 4},
            ),
            TaskRun(
                task="check-consistency",
                started_at=now - timedelta(hours=1),
                finished_at=now - timedelta(hours=1),
                outcome="failed",
                counts={"problems": 1, "found": {"aggregates": 1}},
                error="1 problem(s), 0 left: 1 client(s) with drifted aggregates",
            ),
        ]
    )
    for i, (examined, email, dry) in enumerate([(200, 150, False), (100, 20, False), (999, 999, True)]):
        db.session.add(
            LinkRun(
                started_at=now - timedelta(days=3 - i),
                finished_at=now - timedelta(days=3 - i) + timedelta(seconds=12),
                status="finished",
                dry_run=dry,
                examined=examined,
                linked_email=email,
                linked_phone=7,
                linked_name=3,
                ambiguous=5,
                unmatched=11,
            )
        )
    db.session.commit()
    amina = factories.client("Amina", "Tazi")
    waiting = factories.order(None, created_at=now - timedelta(days=45))
    factories.order(None, created_at=now - timedelta(hours=3))
    factories.order(None, created_at=now - timedelta(days=3))
    factories.order(None, created_at=now - timedelta(days=2), link_method="guest")
    factories.order(amina, created_at=now - timedelta(days=90))
    db.session.add(
        ReviewItem(order_id=waiting.id, candidates=[{"client_id": amina.id, "method": "name", "score": 0.8}])
    )
    db.session.add(
        SlowRequest(
            at=now - timedelta(hours=1),
            endpoint="clients.client_list",
            method="GET",
            path="/client/",
            query_keys="q",
            status=200,
            duration_ms=2345.6,
            sql_count=17,
        )
    )
    db.session.add(
        SlowRequest(
            at=now - timedelta(days=2),
            endpoint="old",
            method="GET",
            path="/old/",
            status=200,
            duration_ms=9999,
        )
    )
    db.session.commit()
    return now


def test_bar_steps():
    assert [bar_step(v, 200) for v in (0, 1, 20, 100, 200)] == [0, 1, 1, 5, 10]
    assert bar_step(5, 0) == 0


def test_trend_runs_oldest_first():
    runs = [LinkRun(id=2, examined=100, linked_email=50), LinkRun(id=1, examined=200, linked_email=200)]
    for run in runs:
        run.linked_phone = run.linked_name = 0
    trend = link_trend(runs)
    assert [b.step for b in trend["examined"]] == [10, 5]
    assert [b.step for b in trend["rate"]] == [10, 5]
    assert trend["rate"][1].title == "Exécution #2 : 50% liées"


def test_unlinked_orders_by_age(ops):
    assert unlinked_by_age(db.session, ops) == [
        ("moins d'un jour", 1),
        ("1 à 7 jours", 1),
        ("7 à 30 jours", 0),
        ("plus de 30 jours", 1),
    ]


def test_the_page_shows_everything_at_a_glance(ops, admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = html[html.index('data-test="operations"') :]
    for task in ("link-orders", "refresh-stats", "check-consistency", "cleanup-inactive-clients"):
        assert f'data-task="{task}"' in page
    assert 'data-outcome="ok"' in page and 'data-outcome="failed"' in page
    assert "clients 4" in page and "drifted aggregates" in page
    assert "*/15 * * * *" in page
    runs = re.findall(r'data-run="(\d+)"', page)
    assert len(runs) == 2  # the dry run is left out
    assert "999" not in page.split('data-test="link-runs"')[1].split("</table>")[0]
    assert page.count('class="ops-bar bar-h-') == 4
    assert re.search(r'data-ops="review-open">1<', page)
    assert "/client/" in page and "2 346 ms" in page.replace("\u202f", " ").replace("\xa0", " ")
    assert "/old/" not in page  # older than a day
    assert re.search(r'data-ops="db-size">\w+ : [\d,.\s\u202f\xa0]+ Mo', page)
    assert "Commandes" in page.split('data-test="row-counts"')[1]


def test_the_page_has_no_inline_style_or_script(ops, admin_client):
    html = admin_client.get(URL).get_data(as_text=True)
    page = html[html.index('data-test="operations"') : html.index("</body>")]
    body = page.split("<script")[0]  # Flask-Admin's own scripts follow the body block
    assert "style=" not in body and "<style" not in body and "onclick" not in body.lower()


def test_the_failure_notification_points_at_the_page(admin_client):
    assert OPERATIONS_URL == URL
    assert admin_client.get(URL).status_code == 200


def test_an_empty_database_renders(admin_client):
    html = admin_client.get(URL).get_data(as_text=True)
    assert "Aucune exécution de liaison" in html and "Aucune requête lente" in html and "jamais" in html


def test_only_admins_see_it(client, auth, plain_user):
    assert client.get(URL).status_code == 302
    auth.login("user@yoozak.ma", "user-password-123")
    assert client.get(URL).status_code == 403
