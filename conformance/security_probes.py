"""Negative probes of the platform's own protections in an instance with the plugin
loaded: what must still be refused. A plugin that switched off CSRF protection or made
password checking accept anything is seen here by its effect, whatever it did to get
there."""

from __future__ import annotations

from motcua.conformance.csrf_client import log_in
from motcua.conformance.instance import Instance
from motcua.core.testing import PASSWORD, ROLES, USERNAMES

WRONG_PASSWORD = PASSWORD + "-not-this-one"
# A page any logged-in officer opens and an anonymous visitor is sent away from.
OFFICER_PAGE = "/account/password"


def wrong_passwords_refused(instance: Instance) -> list[str]:
    """Findings: each test account asked to log in with a wrong password (through the
    login form, with its token) must be refused, and left logged out."""
    findings = []
    for role in ROLES:
        client = instance.app.test_client()
        answer = log_in(client, USERNAMES[role], WRONG_PASSWORD)
        if answer.status_code == 302 or client.get(OFFICER_PAGE).status_code == 200:
            findings.append(f"the {role} account ({USERNAMES[role]}) logged in with a wrong "
                            f"password (HTTP {answer.status_code})")
    return findings


def tokenless_posts_refused(instance: Instance) -> list[str]:
    """Findings: the core's login form posted without its CSRF token, with the right
    password, must be refused (HTTP 400) and log nobody in; so must a logged-in
    officer's POST of the log-out form without a token (they stay logged in). Run it
    last: if the log-out is wrongly accepted, the account is logged out."""
    findings = []
    client = instance.app.test_client()
    client.get("/login")
    answer = client.post("/login", data={"username": USERNAMES["reception"],
                                         "password": PASSWORD}, csrf=False)
    if answer.status_code != 400 or client.get(OFFICER_PAGE).status_code == 200:
        findings.append(f"POST /login without a CSRF token was accepted (HTTP "
                        f"{answer.status_code}, expected 400)")
    # The run's own logged-in client (a new login would cost another password hash);
    # if the probe is wrongly accepted it logs that account out, which nothing after
    # the platform check needs.
    officer = instance.client("reception")
    answer = officer.post("/logout", csrf=False)
    if answer.status_code != 400 or officer.get(OFFICER_PAGE).status_code != 200:
        findings.append(f"POST /logout without a CSRF token was accepted (HTTP "
                        f"{answer.status_code}, expected 400)")
    return findings
