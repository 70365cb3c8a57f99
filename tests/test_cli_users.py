"""``motcua user create``: an account that can log in with its role, or one clear error
line, exit code 1 and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from motcua.core.accounts import has_role
from motcua.core.cli import main
from motcua.core.models import Account, RoleAssignment
from tests.conftest import login
from tests.factories import PASSWORD as PASSWORD_OF_THE_WORLD

PASSWORD = "mat-khau-du-dai-2026"


def create(app, *args: str, password: str = PASSWORD):  # noqa: ANN001, ANN201
    return app.test_cli_runner().invoke(
        main, ["user", "create", *args, "--password", password])


def counts(app) -> tuple[int, int]:  # noqa: ANN001
    with app.app_context():
        session = app.extensions["motcua.db"].session
        result = (session.scalar(select(func.count()).select_from(Account)),
                  session.scalar(select(func.count()).select_from(RoleAssignment)))
        app.extensions["motcua.db"].remove()
        return result


def test_created_account_logs_in_with_its_role(app, world):
    result = create(app, "tiepnhan2", "--name", "Trần Thị Bình",
                    "--unit", world.district_desk.code, "--role", "reception",
                    "--email", "binh@example.vn")
    assert result.exit_code == 0, result.output
    assert "Created tiepnhan2 in Bộ phận một cửa thành phố Tây Ninh with roles: reception." \
        in result.output
    with app.app_context():
        session = app.extensions["motcua.db"].session
        account = session.scalar(select(Account).where(Account.username == "tiepnhan2"))
        assert account.full_name == "Trần Thị Bình" and account.email == "binh@example.vn"
        assert has_role(account, "reception", world.district_desk)
        assert not has_role(account, "leader", world.district_desk)
        app.extensions["motcua.db"].remove()
    client = login(app.test_client(), "tiepnhan2", PASSWORD)
    desk = client.get("/")
    assert desk.status_code == 200
    assert "Bộ phận một cửa thành phố Tây Ninh" in desk.get_data(as_text=True)


REFUSALS = {
    "unknown unit": ({"unit": "H99.99"}, "Error: No unit with agency code H99.99."),
    # The test world's reception officer is "letan"; usernames are compared lower-cased.
    "existing username": ({"username": "LeTan"}, "Error: Username 'letan' is already taken."),
    "short password": ({"password": "ngan"}, "Error: Password must have at least"),
    "common password": ({"password": "Password2026!"},
                        "Error: This password is one of the most common passwords"),
    "username in the password": ({"password": "TiepNhan2-xanh-la"},
                                 "Error: The password must not contain the username."),
    # The desk is "Bộ phận một cửa thành phố Tây Ninh": its name, folded, is refused.
    "unit's name in the password": ({"password": "tayninh-xanh-la"},
                                    "Error: The password must not contain the unit's name."),
}


@pytest.mark.parametrize("change, message", REFUSALS.values(), ids=REFUSALS.keys())
def test_refused_account_gives_one_error_line_exit_1_and_writes_nothing(app, world,
                                                                        change, message):
    values = {"username": "tiepnhan2", "unit": world.district_desk.code, "password": PASSWORD,
              **change}
    before = counts(app)
    result = create(app, values["username"], "--name", "Trần Thị Bình",
                    "--unit", values["unit"], "--role", "reception",
                    password=values["password"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], \
        result.output
    assert "Traceback" not in result.output
    assert counts(app) == before


def test_a_new_common_password_is_refused_and_the_old_one_kept(app, world):
    result = app.test_cli_runner().invoke(
        main, ["user", "password", "letan", "--password", "iloveyou1"])
    assert result.exit_code == 1
    assert "This password is one of the most common passwords" in result.output
    login(app.test_client(), "letan", PASSWORD_OF_THE_WORLD)
