"""Accounts: argon2id hashes, lock-out after repeated failures, roles scoped to a unit
subtree, and API tokens kept only as SHA-256."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from motcua.core.accounts import (
    AccountLocked,
    LoginRefused,
    account_for_token,
    authenticate,
    create_account,
    has_role,
    issue_api_token,
    revoke_api_token,
)
from motcua.core.errors import NotFound, ValidationError
from motcua.core.models import Account, ApiToken, Unit
from motcua.core.timeutil import now
from tests.factories import PASSWORD

LIMITS = {"max_failures": 3, "lockout_minutes": 15}


def login(session, username: str, password: str) -> Account:
    return authenticate(session, username, password, **LIMITS)


def reload(session, account_id: int) -> Account:
    session.expire_all()
    return session.get(Account, account_id)


def test_password_is_stored_as_argon2id_hash(app, db, world):
    with app.app_context():
        account = db.session.get(Account, world.accounts["reception"].id)
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash


def test_right_password_logs_in_and_stamps_last_login(app, db, world):
    with app.app_context():
        account = login(db.session, "LeTan ", PASSWORD)  # usernames are case-insensitive
        assert account.id == world.accounts["reception"].id
        assert reload(db.session, account.id).last_login_at is not None


def test_wrong_password_is_refused_and_counted(app, db, world):
    with app.app_context():
        with pytest.raises(LoginRefused, match="Wrong username or password"):
            login(db.session, "letan", "not-the-password")
        assert reload(db.session, world.accounts["reception"].id).failed_logins == 1


def test_unknown_user_gets_the_same_message_as_a_wrong_password(app, db, world):
    with app.app_context():
        with pytest.raises(LoginRefused) as unknown:
            login(db.session, "nobody", PASSWORD)
        with pytest.raises(LoginRefused) as wrong:
            login(db.session, "letan", "not-the-password")
        assert str(unknown.value) == str(wrong.value)
        assert type(unknown.value) is type(wrong.value) is LoginRefused


def test_success_resets_the_failure_count(app, db, world):
    with app.app_context():
        with pytest.raises(LoginRefused):
            login(db.session, "letan", "not-the-password")
        login(db.session, "letan", PASSWORD)
        assert reload(db.session, world.accounts["reception"].id).failed_logins == 0


def test_account_locks_after_max_failures_even_for_the_right_password(app, db, world):
    with app.app_context():
        for _ in range(LIMITS["max_failures"]):
            with pytest.raises(LoginRefused):
                login(db.session, "letan", "not-the-password")
        account = reload(db.session, world.accounts["reception"].id)
        assert account.locked_until is not None
        remaining = account.locked_until - now()
        assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
        # Told as a wrong password is: nothing tells a stranger the account is locked.
        with pytest.raises(AccountLocked, match="Wrong username or password"):
            login(db.session, "letan", PASSWORD)


def test_lock_out_ends_after_its_time(app, db, world):
    with app.app_context():
        for _ in range(LIMITS["max_failures"]):
            with pytest.raises(LoginRefused):
                login(db.session, "letan", "not-the-password")
        account = reload(db.session, world.accounts["reception"].id)
        account.locked_until = now() - timedelta(seconds=1)
        db.session.commit()
        assert login(db.session, "letan", PASSWORD).locked_until is None


def test_inactive_account_cannot_log_in(app, db, world):
    with app.app_context():
        account = db.session.get(Account, world.accounts["reception"].id)
        account.active = False
        db.session.commit()
        with pytest.raises(LoginRefused, match="Wrong username or password"):
            login(db.session, "letan", PASSWORD)


def test_short_password_and_taken_username_are_refused(app, db, world):
    with app.app_context():
        desk = db.session.get(Unit, world.district_desk.id)
        with pytest.raises(ValidationError, match="at least 8"):
            create_account(db.session, username="moi", password="short", full_name="A B",
                           unit=desk)
        with pytest.raises(ValidationError, match="already taken"):
            create_account(db.session, username="LETAN", password=PASSWORD, full_name="A B",
                           unit=desk)


def test_unknown_role_is_refused(app, db, world):
    with app.app_context():
        desk = db.session.get(Unit, world.district_desk.id)
        with pytest.raises(ValidationError, match="Unknown role"):
            create_account(db.session, username="moi", password=PASSWORD, full_name="A B",
                           unit=desk, roles=[("superuser", desk)])


def test_role_covers_the_scope_unit_and_its_descendants(app, db, world):
    with app.app_context():
        leader = db.session.get(Account, world.accounts["leader"].id)  # leader of the district
        district = db.session.get(Unit, world.district.id)
        desk = db.session.get(Unit, world.district_desk.id)
        commune = db.session.get(Unit, world.commune.id)
        assert has_role(leader, "leader", district)
        assert has_role(leader, "leader", desk)
        assert has_role(leader, "leader", commune)


def test_role_does_not_cover_siblings_or_parents(app, db, world):
    with app.app_context():
        leader = db.session.get(Account, world.accounts["leader"].id)
        province = db.session.get(Unit, world.province.id)
        other = db.session.get(Unit, world.other_district.id)
        reception = db.session.get(Account, world.accounts["reception"].id)
        finance = db.session.get(Unit, world.finance_office.id)
        assert not has_role(leader, "leader", province)
        assert not has_role(leader, "leader", other)
        assert not has_role(reception, "reception", finance)  # sibling of the desk
        assert not has_role(leader, "reception", world.district_desk)  # another role


def test_sibling_with_a_common_id_prefix_is_not_covered(app, db, world):
    """Materialized paths ``/1/2/`` and ``/1/20/`` share ``/1/2`` but not ``/1/2/``."""
    with app.app_context():
        from motcua.core.units import create_unit

        province = db.session.get(Unit, world.province.id)
        district = db.session.get(Unit, world.district.id)
        lookalike, n = None, 0
        while lookalike is None or not str(lookalike.id).startswith(str(district.id)):
            n += 1
            lookalike = create_unit(db.session, code=f"T{n}", name=f"Đơn vị {n}",
                                    kind="office", parent=province)
        assert lookalike.path.startswith(district.path.rstrip("/"))
        leader = db.session.get(Account, world.accounts["leader"].id)
        assert not has_role(leader, "leader", lookalike)


def test_ict_admin_holds_every_role_within_its_subtree_only(app, db, world):
    with app.app_context():
        district = db.session.get(Unit, world.district.id)
        desk = db.session.get(Unit, world.district_desk.id)
        other = db.session.get(Unit, world.other_district.id)
        admin = create_account(db.session, username="cntt.huyen", password=PASSWORD,
                               full_name="Quản Trị Huyện", unit=district,
                               roles=[("ict_admin", district)])
        assert has_role(admin, "reception", desk)
        assert has_role(admin, "unit_admin", district)
        assert not has_role(admin, "reception", other)


def test_api_token_is_stored_only_as_sha256(app, db, world):
    with app.app_context():
        account = db.session.get(Account, world.accounts["reception"].id)
        token = issue_api_token(db.session, account, "máy quét")
        db.session.commit()
        stored = db.session.scalars(select(ApiToken)).one()
        assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert token not in {stored.token_sha256, stored.name}
        assert account_for_token(db.session, token).id == account.id
        assert account_for_token(db.session, token + "x") is None


def test_revoked_api_token_authenticates_nobody(app, db, world):
    with app.app_context():
        account = db.session.get(Account, world.accounts["reception"].id)
        token = issue_api_token(db.session, account, "máy quét")
        token_id = db.session.scalars(select(ApiToken.id)).one()
        revoke_api_token(db.session, token_id)
        db.session.commit()
        assert account_for_token(db.session, token) is None
        with pytest.raises(NotFound):
            revoke_api_token(db.session, token_id + 100)


def test_token_of_an_inactive_account_authenticates_nobody(app, db, world):
    with app.app_context():
        account = db.session.get(Account, world.accounts["reception"].id)
        token = issue_api_token(db.session, account, "máy quét")
        account.active = False
        db.session.commit()
        assert account_for_token(db.session, token) is None


def test_concurrent_writers_that_read_first_never_hit_database_is_locked(app, db, world):
    """Each request reads (the account) before it writes (a token); none may fail."""
    import threading

    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def worker() -> None:
        start.wait()
        for n in range(15):
            session = db.session_factory()
            try:
                account = session.get(Account, world.accounts["reception"].id)
                issue_api_token(session, account, f"máy {n}")
                session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
                session.rollback()
            finally:
                session.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    with app.app_context():
        assert len(db.session.scalars(select(ApiToken.id)).all()) == 6 * 15
