"""``motcua user list/deactivate/reactivate/unlock/logout/token/role``: each works at once,
is audited with the command line as actor, and bad input gives one ``Error:`` line."""

from __future__ import annotations

import pytest

from motcua.core.cli import main
from tests.conftest import login
from tests.factories import PASSWORD
from tests.test_account_admin_web import account_row, api_status, audit_of, roles_of
from tests.test_api import make_token


def run(app, *args: str):  # noqa: ANN001, ANN201
    return app.test_cli_runner().invoke(main, ["user", *args])


def ok(app, *args: str) -> str:  # noqa: ANN001
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_shows_accounts_roles_and_state_filtered_by_unit(app, world):
    everyone = ok(app, "list")
    assert "letan\tNguyễn Thị Lễ Tân\tH72.01.01\tactive\treception@H72.01.01" in everyone
    assert "cntt\t" in everyone and "letan.hoathanh\t" in everyone
    commune = ok(app, "list", "--unit", world.commune.code).splitlines()
    assert [line.split("\t")[0] for line in commune] == ["letan.xa"]


def test_deactivate_ends_session_and_token_and_reactivate_restores_login(app, world):
    officer = login(app.test_client(), "letan")
    token = make_token(app, world.accounts["reception"].id)
    ok(app, "deactivate", "LeTan")
    assert officer.get("/").status_code == 302 and api_status(app, token) == 401
    assert app.test_client().post("/login", data={"username": "letan",
                                                  "password": PASSWORD}).status_code == 401
    ok(app, "reactivate", "letan")
    assert login(app.test_client(), "letan").get("/").status_code == 200
    entries = [e for e in audit_of(app, "letan") if e.action.startswith("account.")
               and e.action != "account.changed"]
    assert [e.action for e in entries][-2:] == ["account.deactivated", "account.reactivated"]
    assert all(e.actor_name.startswith("command line (") for e in entries[-2:])


def test_unlock_and_logout(app, world):
    stranger = app.test_client()
    for _ in range(5):
        stranger.post("/login", data={"username": "letan", "password": "sai-mat-khau"})
    assert account_row(app, "letan").locked_until is not None
    ok(app, "unlock", "letan")
    officer = login(app.test_client(), "letan")
    ok(app, "logout", "letan")
    assert officer.get("/").status_code == 302
    actions = [e.action for e in audit_of(app, "letan")]
    assert "account.unlocked" in actions and "account.sessions_ended" in actions


def test_token_issue_list_and_revoke(app, world):
    token = ok(app, "token", "letan", "--name", "cổng dịch vụ công").strip()
    assert api_status(app, token) == 200
    listed = ok(app, "token", "list", "letan").splitlines()
    assert len(listed) == 1 and listed[0].endswith("\tactive")
    token_id = listed[0].split("\t")[0]
    assert "cổng dịch vụ công" in listed[0]
    assert f"Token {token_id} of letan revoked." in ok(app, "token", "revoke", "letan", token_id)
    assert api_status(app, token) == 401
    assert "\trevoked " in ok(app, "token", "list", "letan")
    details = str([e.detail for e in audit_of(app, "letan")])
    assert token not in details and "api_token.revoked" in [e.action for e in
                                                            audit_of(app, "letan")]


def test_role_grant_and_revoke(app, world):
    ok(app, "role", "grant", "letan.xa", "specialist", "--unit", world.commune.code)
    assert ("specialist", world.commune.code) in roles_of(app, "letan.xa")
    ok(app, "role", "revoke", "letan.xa", "specialist", "--unit", world.commune.code)
    assert roles_of(app, "letan.xa") == [("reception", world.commune.code)]
    assert [e.action for e in audit_of(app, "letan.xa")][-2:] == ["role.granted",
                                                                  "role.revoked"]


REFUSALS = {
    "unknown account": (["deactivate", "khongco"], "Error: No account khongco."),
    "unknown unit": (["list", "--unit", "H99.99"], "Error: No unit with agency code H99.99."),
    "role not held": (["role", "revoke", "letan", "leader", "--unit", "H72.01"],
                      "Error: letan holds no leader at H72.01."),
    "role held twice": (["role", "grant", "letan", "reception", "--unit", "H72.01.01"],
                        "Error: letan already holds reception at H72.01.01."),
    "token of nobody": (["token", "revoke", "letan", "999"],
                        "Error: No API token 999 for letan."),
}


@pytest.mark.parametrize("args, message", REFUSALS.values(), ids=REFUSALS.keys())
def test_bad_input_gives_one_error_line_and_changes_nothing(app, world, args, message):
    before = (roles_of(app, "letan"), len(audit_of(app, "letan")))
    result = run(app, *args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [message], result.output
    assert (roles_of(app, "letan"), len(audit_of(app, "letan"))) == before
