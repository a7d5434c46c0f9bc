import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command

from tests.factories import study_json
from trials.models import Trial

pytestmark = pytest.mark.django_db

PAGES = {
    None: {
        "studies": [study_json("NCT00000001"), study_json("NCT00000002")],
        "nextPageToken": "p2",
    },
    "p2": {"studies": [study_json("NCT00000003")]},
}

MAX_REQUESTS = 10


class FakeRegistry(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_GET(self):
        query = {key: values[0] for key, values in parse_qs(urlparse(self.path).query).items()}
        FakeRegistry.requests.append(query)
        # A client that never stops asking gets errors, not a test that hangs.
        if query.get("pageToken") not in PAGES or len(FakeRegistry.requests) > MAX_REQUESTS:
            self.send_error(500)
            return
        body = json.dumps(PAGES[query.get("pageToken")]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeRegistry.requests = []
    yield f"http://127.0.0.1:{server.server_port}/api/v2"
    server.shutdown()


def test_it_pages_through_the_api_with_the_same_parameters(fake_api):
    out = io.StringIO()
    call_command(
        "import_trials",
        "--from-api",
        "--api-url",
        fake_api,
        "--condition",
        "amyotrophic lateral sclerosis",
        "--param",
        "filter.overallStatus=RECRUITING",
        stdout=out,
    )
    assert Trial.objects.count() == 3
    first, second = FakeRegistry.requests
    assert first["query.cond"] == second["query.cond"] == "amyotrophic lateral sclerosis"
    assert first["filter.overallStatus"] == second["filter.overallStatus"] == "RECRUITING"
    assert "pageToken" not in first
    assert second["pageToken"] == "p2"
    assert "3 created" in out.getvalue()


def import_from(api_url: str, out: io.StringIO) -> None:
    call_command(
        "import_trials", "--from-api", "--api-url", api_url, "--condition", "als", stdout=out
    )


def test_a_page_failing_part_way_keeps_the_studies_of_the_pages_before_it(fake_api, monkeypatch):
    monkeypatch.setitem(PAGES, None, {**PAGES[None], "nextPageToken": "gone"})

    with pytest.raises(CommandError, match="HTTP Error 500"):
        import_from(fake_api, io.StringIO())

    assert set(Trial.objects.values_list("nct_id", flat=True)) == {"NCT00000001", "NCT00000002"}


def test_a_page_failing_part_way_still_ends_with_the_summary_of_what_was_imported(
    fake_api, monkeypatch
):
    monkeypatch.setitem(PAGES, None, {**PAGES[None], "nextPageToken": "gone"})
    out = io.StringIO()

    with pytest.raises(CommandError, match="HTTP Error 500"):
        import_from(fake_api, out)

    assert "2 created, 0 updated, 0 unchanged, 0 failed." in out.getvalue()


def test_a_server_that_repeats_a_page_token_is_stopped_with_a_clear_error(fake_api, monkeypatch):
    monkeypatch.setitem(PAGES, "p2", {**PAGES["p2"], "nextPageToken": "p2"})
    out = io.StringIO()

    with pytest.raises(CommandError, match="gave the page token 'p2' that an earlier page gave"):
        import_from(fake_api, out)

    assert [request.get("pageToken") for request in FakeRegistry.requests] == [None, "p2"]
    assert "3 created" in out.getvalue()


def test_an_unreachable_api_is_a_clear_error():
    with pytest.raises(CommandError, match=r"127\.0\.0\.1:9"):
        call_command(
            "import_trials", "--from-api", "--api-url", "http://127.0.0.1:9/api", "--condition", "x"
        )


def test_from_api_needs_a_search():
    with pytest.raises(CommandError, match="needs --condition or --param"):
        call_command("import_trials", "--from-api")
