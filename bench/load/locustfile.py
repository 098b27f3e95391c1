"""Load test: people signing in and reading the pages they use most (bench/load/run.sh).

Each simulated user signs in once as one of the demo users, spread over several so that
no single account's session or lock-out counter takes every sign-in, then reads the
incident list, the quality overview, a provider's quality view and a workbook export.
"""

import itertools
import re

from locust import HttpUser, between, task

DEMO_PASSWORD = "safety-demo-only-2026"
# Users who can see the incident list, the quality overview and provider ZZA's quality view.
DEMO_USERS = ["demo.officer", "demo.safetylead", "demo.board", "demo.lead", "demo.ftsulead"]
PROVIDER = "ZZA"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_next_user = itertools.cycle(DEMO_USERS)


class Reader(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        username = next(_next_user)
        page = self.client.get("/accounts/login/", name="sign-in form")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": page.url},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # A wrong password or lock-out answers 200 with the form again, not a redirect.
            if response.status_code != 302:
                response.failure(f"sign-in as {username} answered {response.status_code}, not a redirect")

    def read(self, path: str, name: str, *, xlsx: bool = False) -> None:
        # Not following redirects: being sent back to sign in is a failure, not a 200.
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")
            elif xlsx and not response.content.startswith(b"PK"):
                response.failure("the export is not an xlsx file")

    @task(4)
    def incident_list(self):
        self.read("/incidents/list/", "incident list")

    @task(3)
    def quality_overview(self):
        self.read("/quality/", "quality overview")

    @task(3)
    def provider_quality(self):
        self.read(f"/quality/{PROVIDER}/", "provider quality view")

    @task(1)
    def board_pack_export(self):
        self.read(f"/quality/{PROVIDER}/board-pack.xlsx", "board pack export (xlsx)", xlsx=True)
