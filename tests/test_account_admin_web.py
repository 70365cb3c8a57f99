"""``/admin/accounts`` and ``/account/password``: an ICT administrator manages the accounts
of their subtree and no other; each change takes effect at once and is audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from motcua.core.accounts import create_account
from motcua.core.models import Account, AuditEntry
from tests.conftest import login
from tests.factories import PASSWORD
from tests.test_api import make_token

TEMPORARY = "tam-thoi-2026"
NEW = "mat-khau-moi-2026"


@pytest.fixture
def admin(app, world):
    return login(app.test_client(), "cntt")


@pytest.fixture
def ward_admin(app, db, world):
    """An ICT administrator of the commune (ward) only."""
    with app.app_context():
        create_account(db.session, username="quantri.xa", password=PASSWORD,
                       full_name="Quản Trị Xã", unit=db.session.merge(world.commune),
                       roles=[("ict_admin", db.session.merge(world.commune))])
        db.session.commit()
        db.remove()
    return login(app.test_client(), "quantri.xa")


def account_row(app, username: str) -> Account:
    db = app.extensions["motcua.db"]
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == username))
        db.session.expunge(account)
        db.remove()
    return account


def audit_of(app, username: str) -> list[AuditEntry]:
    db = app.extensions["motcua.db"]
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.target == username).order_by(AuditEntry.seq)))
        db.session.expunge_all()
        db.remove()
    return entries


def post(client, account: Account, path: str, **form):  # noqa: ANN001, ANN201
    return client.post(f"/admin/accounts/{account.id}/{path}", data=form)


def api_status(app, token: str) -> int:
    return app.test_client().get("/api/v1/dossiers",
                                 headers={"Authorization": f"Bearer {token}"}).status_code


def test_the_list_shows_accounts_with_roles_and_units_filtered_by_unit_and_name(admin, world):
    page = admin.get("/admin/accounts/").get_data(as_text=True)
    for username in ("letan", "letan.xa", "lanhdao", "cntt"):
        assert f'data-account="{username}"' in page
    assert "Reception officer · UBND phường Tân Ninh" in page
    by_unit = admin.get(f"/admin/accounts/?unit={world.commune.code}").get_data(as_text=True)
    assert 'data-account="letan.xa"' in by_unit and 'data-account="letan"' not in by_unit
    by_name = admin.get("/admin/accounts/?q=Chuyên").get_data(as_text=True)
    assert 'data-account="chuyenvien"' in by_name and 'data-account="letan"' not in by_name
    unknown = admin.get("/admin/accounts/?unit=H99.99")
    assert unknown.status_code == 400 and "H99.99" in unknown.get_data(as_text=True)


def test_a_ward_admin_neither_sees_nor_changes_a_district_officer(app, ward_admin, world):
    before = len(audit_of(app, "lanhdao")), len(audit_of(app, "letan.xa"))
    page = ward_admin.get("/admin/accounts/").get_data(as_text=True)
    assert 'data-account="letan.xa"' in page
    for outside in ("lanhdao", "letan", "cntt"):
        assert f'data-account="{outside}"' not in page
    leader = account_row(app, "lanhdao")
    assert ward_admin.get(f"/admin/accounts/{leader.id}").status_code == 403
    assert post(ward_admin, leader, "deactivate").status_code == 403
    assert account_row(app, "lanhdao").active
    # Nor may it give one of its officers a role above the ward.
    officer = account_row(app, "letan.xa")
    refused = post(ward_admin, officer, "roles/grant", role="leader", unit=world.district.code)
    assert refused.status_code == 403 and "outside the units you administer" in \
        refused.get_data(as_text=True)
    assert roles_of(app, "letan.xa") == [("reception", world.commune.code)]
    assert (len(audit_of(app, "lanhdao")), len(audit_of(app, "letan.xa"))) == before


def roles_of(app, username: str) -> list[tuple[str, str]]:
    db = app.extensions["motcua.db"]
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.username == username))
        roles = [(a.role, a.unit.code) for a in account.roles]
        db.remove()
    return roles


def test_deactivation_stops_the_session_and_the_token_at_once(app, admin, world):
    officer = login(app.test_client(), "letan")
    token = make_token(app, world.accounts["reception"].id)
    assert api_status(app, token) == 200
    target = account_row(app, "letan")
    assert post(admin, target, "deactivate").status_code == 303
    assert officer.get("/").status_code == 302
    assert api_status(app, token) == 401
    assert app.test_client().post("/login", data={"username": "letan",
                                                  "password": PASSWORD}).status_code == 401
    assert post(admin, target, "reactivate").status_code == 303
    assert login(app.test_client(), "letan").get("/").status_code == 200
    actions = [(e.action, e.actor_name) for e in audit_of(app, "letan")]
    assert ("account.deactivated", "Đỗ Quản Trị") in actions
    assert ("account.reactivated", "Đỗ Quản Trị") in actions


def test_an_admin_cannot_deactivate_their_own_account(app, admin):
    me = account_row(app, "cntt")
    refused = post(admin, me, "deactivate")
    assert refused.status_code == 400
    assert "You cannot deactivate your own account." in refused.get_data(as_text=True)
    assert account_row(app, "cntt").active


def test_a_revoked_token_gets_401_and_the_other_tokens_keep_working(app, admin, world):
    revoked = make_token(app, world.accounts["reception"].id)
    kept = make_token(app, world.accounts["reception"].id)
    target = account_row(app, "letan")
    page = admin.get(f"/admin/accounts/{target.id}").get_data(as_text=True)
    token_ids = [int(part.split('"')[0]) for part in page.split('data-token="')[1:]]
    assert len(token_ids) == 2
    assert post(admin, target, f"tokens/{token_ids[0]}/revoke").status_code == 303
    assert api_status(app, revoked) == 401 and api_status(app, kept) == 200
    # Another account's token is not reachable through this account's page.
    other = account_row(app, "letan.xa")
    assert post(admin, other, f"tokens/{token_ids[1]}/revoke").status_code == 404
    assert api_status(app, kept) == 200
    entries = [e for e in audit_of(app, "letan") if e.action == "api_token.revoked"]
    assert [e.detail["token_id"] for e in entries] == [token_ids[0]]
    assert revoked not in json.dumps([e.detail for e in audit_of(app, "letan")])


def test_a_reset_password_must_be_changed_at_the_next_login(app, admin):
    officer = login(app.test_client(), "letan")
    target = account_row(app, "letan")
    short = post(admin, target, "password", temporary="ngan")
    assert short.status_code == 400 and "at least 8 characters" in short.get_data(as_text=True)
    assert post(admin, target, "password", temporary=TEMPORARY).status_code == 303
    assert officer.get("/").status_code == 302  # the reset ends its sessions
    officer = login(app.test_client(), "letan", TEMPORARY)
    forced = officer.get("/")
    assert forced.status_code == 302 and forced.location.endswith("/account/password")
    wrong = officer.post("/account/password", data={"current": "sai-mat-khau",
                                                    "new": NEW, "confirm": NEW})
    assert wrong.status_code == 400 and "The current password is wrong." in \
        wrong.get_data(as_text=True)
    done = officer.post("/account/password", data={"current": TEMPORARY, "new": NEW,
                                                    "confirm": NEW})
    assert done.status_code == 303
    assert officer.get("/").status_code == 200  # this browser's session goes on
    assert not account_row(app, "letan").must_change_password
    details = json.dumps([e.detail for e in audit_of(app, "letan")])
    assert TEMPORARY not in details and NEW not in details
    actions = [e.action for e in audit_of(app, "letan")]
    assert "account.password_reset" in actions and "account.password_changed" in actions


def test_changing_my_password_ends_my_other_sessions(app, world):
    here, elsewhere = (login(app.test_client(), "chuyenvien") for _ in range(2))
    differ = here.post("/account/password", data={"current": PASSWORD, "new": NEW,
                                                  "confirm": "khac-" + NEW})
    assert differ.status_code == 400 and "The two new passwords differ." in \
        differ.get_data(as_text=True)
    assert here.post("/account/password", data={"current": PASSWORD, "new": NEW,
                                                "confirm": NEW}).status_code == 303
    assert here.get("/department/").status_code == 200
    assert elsewhere.get("/department/").status_code == 302
    assert login(app.test_client(), "chuyenvien", NEW)


def test_unlock_clears_a_lockout(app, admin):
    stranger = app.test_client()
    for _ in range(5):
        stranger.post("/login", data={"username": "letan", "password": "sai-mat-khau"})
    assert account_row(app, "letan").locked_until is not None
    assert stranger.post("/login", data={"username": "letan",
                                         "password": PASSWORD}).status_code == 401
    assert post(admin, account_row(app, "letan"), "unlock").status_code == 303
    assert login(app.test_client(), "letan")
    entry = [e for e in audit_of(app, "letan") if e.action == "account.unlocked"][0]
    assert entry.detail == {"was_locked": True} and entry.actor_name == "Đỗ Quản Trị"


def test_end_all_sessions_logs_the_officer_out_everywhere(app, admin):
    first, second = (login(app.test_client(), "letan") for _ in range(2))
    assert post(admin, account_row(app, "letan"), "logout").status_code == 303
    assert first.get("/").status_code == 302 and second.get("/").status_code == 302
    assert "account.sessions_ended" in [e.action for e in audit_of(app, "letan")]


def test_grant_and_revoke_a_role(app, admin, world):
    target = account_row(app, "letan.xa")
    assert post(admin, target, "roles/grant", role="specialist",
                unit=world.commune.code).status_code == 303
    assert login(app.test_client(), "letan.xa").get("/department/").status_code == 200
    again = post(admin, target, "roles/grant", role="specialist", unit=world.commune.code)
    assert again.status_code == 400
    assert post(admin, target, "roles/revoke", role="specialist",
                unit=world.commune.code).status_code == 303
    assert post(admin, target, "roles/revoke", role="specialist",
                unit=world.commune.code).status_code == 404
    assert post(admin, target, "roles/grant", role="chief",
                unit=world.commune.code).status_code == 400
    changes = [(e.action, e.detail["role"], e.actor_name) for e in audit_of(app, "letan.xa")
               if e.action.startswith("role.")]
    assert changes[-2:] == [("role.granted", "specialist", "Đỗ Quản Trị"),
                            ("role.revoked", "specialist", "Đỗ Quản Trị")]


def test_the_pages_need_the_ict_role(app, world):
    officer = login(app.test_client(), "letan")
    assert officer.get("/admin/accounts/").status_code == 403
    target = account_row(app, "letan.xa")
    assert post(officer, target, "deactivate").status_code == 403
    assert account_row(app, "letan.xa").active
