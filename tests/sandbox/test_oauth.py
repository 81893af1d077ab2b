"""Sandbox OAuth (docs/mercado-livre-api.md §1): the authorization page, single-use codes, PKCE, rotating refresh tokens,
expiry, revocation."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI, SELLER_ID

VERIFIER = "v" * 64


def challenge(verifier: str = VERIFIER) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def auth_query(**over) -> dict:
    query = {
        "response_type": "code",
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": DEMO_REDIRECT_URI,
        "state": "st-123",
        "code_challenge": challenge(),
        "code_challenge_method": "S256",
    }
    query.update(over)
    return {k: v for k, v in query.items() if v is not None}


def redirect_params(location: str) -> dict:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == DEMO_REDIRECT_URI
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


async def consent(http, **over) -> str:
    """Open the page, press "Autorizar este aplicativo"; the code from the redirect."""
    page = await http.get("/authorization", params=auth_query(**over))
    if page.status_code == 302:  # already granted: ML redirects without showing the page
        return redirect_params(page.headers["location"])["code"]
    assert page.status_code == 200
    tx = re.search(r'name="tx" value="([^"]+)"', page.text).group(1)
    answer = await http.post("/authorization/decision", data={"tx": tx, "decision": "allow"})
    assert answer.status_code == 302
    return redirect_params(answer.headers["location"])["code"]


def token_form(**over) -> dict:
    form = {
        "grant_type": "authorization_code",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "redirect_uri": DEMO_REDIRECT_URI,
        "code_verifier": VERIFIER,
    }
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


async def test_page_shows_the_button_and_a_curl_line(sandbox_http):
    page = await sandbox_http.get("/authorization", params=auth_query())
    assert page.status_code == 200
    assert "Autorizar este aplicativo" in page.text
    assert "curl -si -X POST -d" in page.text and "/authorization/decision" in page.text
    # The line is copied out of the raw HTML (`curl -si`), so it must need no HTML unescaping.
    line = next(l for l in page.text.splitlines() if "curl -si" in l)
    assert "&amp;" not in line and "&#x27;" not in line


async def test_approve_redirects_with_code_and_state(sandbox_http):
    page = await sandbox_http.get("/authorization", params=auth_query())
    tx = re.search(r'name="tx" value="([^"]+)"', page.text).group(1)
    answer = await sandbox_http.post("/authorization/decision", data={"tx": tx, "decision": "allow"})
    params = redirect_params(answer.headers["location"])
    assert params["code"].startswith("TG-") and params["state"] == "st-123"


async def test_deny_redirects_with_access_denied(sandbox_http):
    page = await sandbox_http.get("/authorization", params=auth_query())
    tx = re.search(r'name="tx" value="([^"]+)"', page.text).group(1)
    answer = await sandbox_http.post("/authorization/decision", data={"tx": tx, "decision": "deny"})
    params = redirect_params(answer.headers["location"])
    assert params["error"] == "access_denied" and params["state"] == "st-123" and "code" not in params


@pytest.mark.parametrize(
    "over",
    [
        {"client_id": "123"},
        {"response_type": "token"},
        {"redirect_uri": DEMO_REDIRECT_URI + "/"},
        {"redirect_uri": "https://evil.example/callback"},
    ],
)
async def test_bad_request_shows_an_error_page_and_never_redirects(sandbox_http, over):
    page = await sandbox_http.get("/authorization", params=auth_query(**over))
    assert page.status_code == 400 and "location" not in page.headers
    assert "não pode se conectar" in page.text


async def test_already_granted_app_is_redirected_without_the_page(sandbox_http):
    await consent(sandbox_http)
    again = await sandbox_http.get("/authorization", params=auth_query())
    assert again.status_code == 302 and "code" in redirect_params(again.headers["location"])


async def test_auto_approve_knob(sandbox_state, sandbox_http):
    sandbox_state.auto_approve = True
    answer = await sandbox_http.get("/authorization", params=auth_query())
    assert answer.status_code == 302


async def test_code_exchange_and_users_me(sandbox_http):
    code = await consent(sandbox_http)
    answer = await sandbox_http.post("/oauth/token", data=token_form(code=code))
    assert answer.status_code == 200
    tokens = answer.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 21600 and tokens["user_id"] == SELLER_ID
    assert tokens["access_token"].startswith("APP_USR-") and tokens["refresh_token"].startswith("TG-")
    me = await sandbox_http.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == SELLER_ID > 2**31 and me.json()["site_id"] == "MLB"


async def test_code_is_single_use(sandbox_http):
    code = await consent(sandbox_http)
    assert (await sandbox_http.post("/oauth/token", data=token_form(code=code))).status_code == 200
    again = await sandbox_http.post("/oauth/token", data=token_form(code=code))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert set(again.json()) >= {"message", "error", "status", "cause", "error_description"}


@pytest.mark.parametrize(
    "over, error",
    [
        ({"redirect_uri": "https://melisync.example/other"}, "invalid_grant"),
        ({"code_verifier": "w" * 64}, "invalid_grant"),
        ({"code_verifier": None}, "invalid_grant"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": None}, "invalid_request"),
    ],
)
async def test_code_exchange_refusals(sandbox_http, over, error):
    code = await consent(sandbox_http)
    answer = await sandbox_http.post("/oauth/token", data=token_form(code=code, **over))
    assert answer.status_code in (400, 401) and answer.json()["error"] == error


async def test_parameters_in_the_query_string_are_not_read(sandbox_http):
    code = await consent(sandbox_http)
    answer = await sandbox_http.post("/oauth/token?" + urlencode(token_form(code=code)))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


async def test_plain_pkce_and_no_pkce(sandbox_http):
    code = await consent(sandbox_http, code_challenge=VERIFIER, code_challenge_method="plain")
    assert (await sandbox_http.post("/oauth/token", data=token_form(code=code))).status_code == 200
    code = await consent(sandbox_http, code_challenge=None, code_challenge_method=None)
    assert (await sandbox_http.post("/oauth/token", data=token_form(code=code, code_verifier=None))).status_code == 200


async def test_refresh_rotates_and_only_the_newest_works(sandbox_state, sandbox_http):
    first = sandbox_state.issue_tokens()
    refresh = {"grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    second = await sandbox_http.post("/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    new = second.json()
    assert new["refresh_token"] != first["refresh_token"] and new["access_token"] != first["access_token"]
    reused = await sandbox_http.post("/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    third = await sandbox_http.post("/oauth/token", data={**refresh, "refresh_token": new["refresh_token"]})
    assert third.status_code == 200
    log = [r.grant_type for r in sandbox_state.requests_to("/oauth/token")]
    assert log == ["refresh_token"] * 3


async def test_access_token_expires_with_the_clock(sandbox_state, sandbox_http):
    tokens = sandbox_state.issue_tokens()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await sandbox_http.get("/users/me", headers=headers)).status_code == 200
    sandbox_state.advance(21600)
    expired = await sandbox_http.get("/users/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"message": "invalid_token", "error": "not_found", "status": 401, "cause": []}


async def test_unknown_and_missing_tokens(sandbox_http):
    bad = await sandbox_http.get("/users/me", headers={"Authorization": "Bearer APP_USR-nope"})
    assert bad.status_code == 401 and bad.json()["message"] == "invalid_token"
    missing = await sandbox_http.get("/users/me")
    assert missing.status_code == 401


async def test_revoke_kills_every_token(sandbox_state, sandbox_http):
    tokens = sandbox_state.issue_tokens()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    answer = await sandbox_http.delete(f"/users/{SELLER_ID}/applications/{DEMO_CLIENT_ID}", headers=headers)
    assert answer.status_code == 200 and answer.json()["msg"] == "Autorización eliminada"
    assert (await sandbox_http.get("/users/me", headers=headers)).status_code == 401
    refresh = await sandbox_http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refresh.json()["error"] == "invalid_grant"
    # after revocation the page is shown again (no silent redirect)
    assert (await sandbox_http.get("/authorization", params=auth_query())).status_code == 200


async def test_state_approve_helper(sandbox_state, sandbox_http):
    url = "https://auth.example/authorization?" + urlencode(auth_query())
    code = redirect_params(sandbox_state.approve(url))["code"]
    assert (await sandbox_http.post("/oauth/token", data=token_form(code=code))).status_code == 200
    assert redirect_params(sandbox_state.deny(url))["error"] == "access_denied"


async def test_pkce_can_be_mandatory(sandbox_state, sandbox_http):
    sandbox_state.require_pkce = True
    page = await sandbox_http.get("/authorization", params=auth_query(code_challenge=None, code_challenge_method=None))
    assert page.status_code == 400 and "PKCE" in page.text
    assert (await sandbox_http.get("/authorization", params=auth_query())).status_code == 200


async def test_grants_show_who_authorized(sandbox_state, seller_http):
    grants = (await seller_http.get(f"/applications/{DEMO_CLIENT_ID}/grants")).json()
    assert [g["user_id"] for g in grants["grants"]] == [SELLER_ID]
    apps = (await seller_http.get(f"/users/{SELLER_ID}/applications")).json()
    assert [a["app_id"] for a in apps] == [DEMO_CLIENT_ID]
    assert (await seller_http.get("/applications/123/grants")).status_code == 403
    sandbox_state.revoke()
    assert sandbox_state.grants == {}


async def test_codes_and_refresh_tokens_expire(sandbox_state, sandbox_http):
    code = await consent(sandbox_http)
    sandbox_state.advance(601)  # codes live 10 minutes
    assert (await sandbox_http.post("/oauth/token", data=token_form(code=code))).json()["error"] == "invalid_grant"
    tokens = sandbox_state.issue_tokens()
    sandbox_state.advance(184 * 86400)  # refresh tokens live 6 months
    answer = await sandbox_http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert answer.json()["error"] == "invalid_grant"
