from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_user
from tests.support.forms import sign_in, submit


def test_owner_signs_in_with_argon2_password(client: FlaskClient) -> None:
    user = make_user(email="baker@example.org")
    assert user.password_hash and user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    response = sign_in(client, "Baker@Example.org", PASSWORD)

    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200


def test_wrong_password_re_renders_with_an_error_summary(client: FlaskClient) -> None:
    make_user(email="baker@example.org")

    response = sign_in(client, "baker@example.org", "not my password")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Sign in" in page
    assert 'class="error-summary"' in page
    assert '<a href="#email">The email address or password is not right</a>' in page
    assert 'value="baker@example.org"' in page  # input kept
    assert client.get("/manage/").status_code == 302  # still signed out


def test_empty_form_names_each_missing_field(client: FlaskClient) -> None:
    response = submit(client, "/manage/sign-in", {"email": "", "password": ""})

    page = response.get_data(as_text=True)
    assert '<a href="#email">Enter your email address</a>' in page
    assert '<a href="#password">Enter your password</a>' in page
    assert 'aria-describedby="email-error"' in page


def test_sign_in_without_csrf_token_is_refused(client: FlaskClient) -> None:
    make_user(email="baker@example.org")

    response = client.post(
        "/manage/sign-in", data={"email": "baker@example.org", "password": PASSWORD}
    )

    assert response.status_code == 400
    assert client.get("/manage/").status_code == 302


def test_sign_in_never_redirects_off_site(client: FlaskClient) -> None:
    make_user(email="baker@example.org")
    from tests.support.forms import csrf_token

    token = csrf_token(client, "/manage/sign-in")
    response = client.post(
        "/manage/sign-in?next=//evil.example/",
        data={"csrf_token": token, "email": "baker@example.org", "password": PASSWORD},
    )

    assert response.headers["Location"] == "/manage/"
