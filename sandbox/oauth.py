"""OAuth 2.0 as Mercado Livre does it (docs/mercado-livre-api.md §1): authorization page transactions, single-use codes
bound to the redirect URI and the PKCE challenge, 6-hour access tokens, single-use rotating refresh
tokens, grants that revocation wipes with all their tokens."""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from sandbox.errors import ApiError, invalid_token, oauth_error
from sandbox.world import World

CODE_TTL = 600  # authorization codes are short-lived (10 minutes)
REFRESH_TTL = 183 * 86400  # 6 months
SCOPES = ["offline_access", "read", "write"]


class AuthPageError(Exception):
    """The authorization request is not acceptable: ML shows an error page (it never redirects then)."""


@dataclass
class _Code:
    user_id: int
    client_id: str
    redirect_uri: str
    challenge: str | None
    method: str | None
    expires_at: float
    used: bool = False


@dataclass
class _Token:
    user_id: int
    client_id: str
    expires_at: float


@dataclass
class _Refresh:
    user_id: int
    client_id: str
    expires_at: float
    current: bool = True


def _challenge_of(verifier: str, method: str | None) -> str:
    if (method or "plain") == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier


class OAuthMixin(World):
    def _init_oauth(self) -> None:
        self._transactions: dict[str, dict] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Refresh] = {}
        self.grants: dict[tuple[int, str], dict] = {}  # (user_id, client_id) -> {date_created, scopes}

    # -- authorization page --------------------------------------------------------------------------

    def check_authorization(self, params: dict) -> dict:
        """Validate `GET /authorization` parameters; return the request to remember or raise AuthPageError."""
        client_id = params.get("client_id", "")
        app = self.apps.get(client_id)
        if app is None:
            raise AuthPageError("A aplicação não existe (client_id desconhecido).")
        if params.get("response_type") != "code":
            raise AuthPageError("response_type deve ser 'code'.")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in app["redirect_uris"]:
            raise AuthPageError(
                "Desculpe, a aplicação não pode se conectar à sua conta (redirect_uri diferente da registrada)."
            )
        method = params.get("code_challenge_method")
        challenge = params.get("code_challenge")
        if method and method not in ("S256", "plain"):
            raise AuthPageError("code_challenge_method deve ser S256 ou plain.")
        if (method or self.require_pkce) and not challenge:
            raise AuthPageError("code_challenge ausente (PKCE é obrigatório para esta aplicação).")
        return {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": params.get("state"),
            "challenge": challenge,
            "method": (method or "plain") if challenge else None,
        }

    def begin_authorization(self, params: dict) -> tuple[str, str]:
        """`GET /authorization`: ("redirect", URL) when already granted (or auto_approve), else ("page", tx)."""
        with self.lock:
            request = self.check_authorization(params)
            if self.auto_approve or (self.seller["id"], request["client_id"]) in self.grants:
                return "redirect", self._approve(request)
            tx = secrets.token_urlsafe(16)
            self._transactions[tx] = request
            return "page", tx

    def decide(self, tx: str, allow: bool) -> str:
        """The seller pressed a button on the page: the redirect URL (code, or access_denied)."""
        with self.lock:
            request = self._transactions.pop(tx, None)
            if request is None:
                raise AuthPageError("Esta autorização expirou ou já foi usada. Recomece pelo aplicativo.")
            return self._approve(request) if allow else self._deny(request)

    def approve(self, auth_url: str) -> str:
        """Act as the seller approving `auth_url` (the page + button in one call); returns the redirect URL."""
        with self.lock:
            return self._approve(self.check_authorization(dict(parse_qsl(urlsplit(auth_url).query))))

    def deny(self, auth_url: str) -> str:
        """Act as the seller refusing `auth_url`; returns the `error=access_denied` redirect URL."""
        with self.lock:
            return self._deny(self.check_authorization(dict(parse_qsl(urlsplit(auth_url).query))))

    def _approve(self, request: dict) -> str:
        user_id = self.seller["id"]
        self.grants.setdefault((user_id, request["client_id"]), {"date_created": self.iso(), "scopes": list(SCOPES)})
        code = f"TG-{secrets.token_hex(12)}-{user_id}"
        self._codes[code] = _Code(
            user_id,
            request["client_id"],
            request["redirect_uri"],
            request["challenge"],
            request["method"],
            self.now() + CODE_TTL,
        )
        return _redirect(request, {"code": code})

    def _deny(self, request: dict) -> str:
        return _redirect(
            request,
            {"error": "access_denied", "error_description": "The user has not granted access to the application"},
        )

    # -- token endpoint ------------------------------------------------------------------------------

    def token(self, form: dict) -> dict:
        """`POST /oauth/token` with the form body; the JSON answer or an ApiError."""
        with self.lock:
            grant_type = form.get("grant_type")
            if not grant_type:
                raise oauth_error("invalid_request", "grant_type is required (parameters go in the form body)")
            if grant_type not in ("authorization_code", "refresh_token"):
                raise oauth_error("unsupported_grant_type", f"unsupported grant_type: {grant_type}")
            client_id = form.get("client_id", "")
            app = self.apps.get(client_id)
            if app is None or not secrets.compare_digest(form.get("client_secret", ""), app["secret"]):
                raise oauth_error("invalid_client", "invalid client_id or client_secret", status=401)
            if grant_type == "authorization_code":
                return self._exchange_code(client_id, form)
            return self._rotate_refresh(client_id, form)

    def _exchange_code(self, client_id: str, form: dict) -> dict:
        bad = oauth_error(
            "invalid_grant",
            "Error validating grant. Your authorization code or refresh token may be expired or it was already used",
        )
        code = self._codes.get(form.get("code", ""))
        if code is None or code.used or code.expires_at < self.now() or code.client_id != client_id:
            raise bad
        if form.get("redirect_uri") != code.redirect_uri:
            raise oauth_error("invalid_grant", "the redirect_uri does not match the one used to authorize")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier or not secrets.compare_digest(_challenge_of(verifier, code.method), code.challenge):
                raise oauth_error("invalid_grant", "code_verifier does not match the code_challenge")
        code.used = True
        if (code.user_id, client_id) not in self.grants:  # revoked between the page and the exchange
            raise bad
        return self._issue(code.user_id, client_id)

    def _rotate_refresh(self, client_id: str, form: dict) -> dict:
        refresh = self._refresh.get(form.get("refresh_token", ""))
        if (
            refresh is None
            or not refresh.current
            or refresh.client_id != client_id
            or refresh.expires_at < self.now()
            or (refresh.user_id, client_id) not in self.grants
        ):
            raise oauth_error(
                "invalid_grant",
                "Error validating grant. Your authorization code or refresh token "
                "may be expired or it was already used",
            )
        refresh.current = False
        return self._issue(refresh.user_id, client_id)

    def _issue(self, user_id: int, client_id: str) -> dict:
        # Only the newest refresh token of a grant works (docs/mercado-livre-api.md §1.3).
        for other in self._refresh.values():
            if other.user_id == user_id and other.client_id == client_id:
                other.current = False
        stamp = self.iso()[5:13].replace("-", "").replace("T", "")  # MMDDHH, like ML's tokens
        access = f"APP_USR-{client_id}-{stamp}-{secrets.token_hex(16)}-{user_id}"
        refresh = f"TG-{secrets.token_hex(12)}-{user_id}"
        self._access[access] = _Token(user_id, client_id, self.now() + self.token_ttl)
        self._refresh[refresh] = _Refresh(user_id, client_id, self.now() + REFRESH_TTL)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": int(self.token_ttl),
            "scope": " ".join(SCOPES),
            "user_id": user_id,
            "refresh_token": refresh,
        }

    # -- bearer tokens -------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> tuple[int, str]:
        """(user_id, client_id) behind an `Authorization: Bearer` header, or 401."""
        if not authorization:
            raise ApiError(401, "unauthorized", "authorization value not present")
        scheme, _, token = authorization.partition(" ")
        with self.lock:
            found = self._access.get(token.strip()) if scheme.lower() == "bearer" else None
            if found is None or found.expires_at <= self.now():
                raise invalid_token()
            return found.user_id, found.client_id

    def app_of(self, authorization: str | None) -> str | None:
        """The client_id behind a bearer header, if the token is known (for the per-app rate limit)."""
        token = (authorization or "").partition(" ")[2].strip()
        with self.lock:
            found = self._access.get(token)
            return found.client_id if found else None

    def issue_tokens(self, client_id: str | None = None) -> dict:
        """Grant the app and hand out a token pair directly (tests that don't exercise the OAuth dance)."""
        from sandbox import DEMO_CLIENT_ID

        with self.lock:
            client_id = client_id or DEMO_CLIENT_ID
            self.grants.setdefault((self.seller["id"], client_id), {"date_created": self.iso(), "scopes": list(SCOPES)})
            return self._issue(self.seller["id"], client_id)

    def revoke(self, client_id: str | None = None, user_id: int | None = None) -> None:
        """The seller (or the app) removes the grant: every token of it dies at once (docs/mercado-livre-api.md §1.5)."""
        from sandbox import DEMO_CLIENT_ID

        with self.lock:
            client_id = client_id or DEMO_CLIENT_ID
            user_id = user_id or self.seller["id"]
            self.grants.pop((user_id, client_id), None)
            for table in (self._access, self._refresh):
                for key in [k for k, v in table.items() if v.user_id == user_id and v.client_id == client_id]:
                    del table[key]
            for code in self._codes.values():
                if code.user_id == user_id and code.client_id == client_id:
                    code.used = True

    def revoke_application(self, user_id: int, caller: tuple[int, str], app_id: str) -> dict:
        """`DELETE /users/{user_id}/applications/{app_id}` with that user's token."""
        with self.lock:
            if caller[0] != user_id:
                raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
            if (user_id, app_id) not in self.grants:
                raise ApiError(404, "not_found", "authorization not found")
            self.revoke(app_id, user_id)
            return {"user_id": str(user_id), "app_id": str(app_id), "msg": "Autorización eliminada"}

    def list_grants(self, app_id: str, caller: tuple[int, str]) -> dict:
        """`GET /applications/{app_id}/grants` (the app's own token): who has this app authorized."""
        with self.lock:
            if caller[1] != app_id:
                raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
            grants = [
                {"user_id": user_id, "app_id": client_id, **grant}
                for (user_id, client_id), grant in self.grants.items()
                if client_id == app_id
            ]
            return {"paging": {"total": len(grants), "limit": 50, "offset": 0}, "grants": copy.deepcopy(grants)}

    def user_applications(self, user_id: int, caller: tuple[int, str]) -> list[dict]:
        """`GET /users/{user_id}/applications`: the apps this seller authorized."""
        with self.lock:
            if caller[0] != user_id:
                raise ApiError(403, "forbidden", "access to the requested resource is forbidden")
            return [
                {"user_id": uid, "app_id": client_id, **copy.deepcopy(grant)}
                for (uid, client_id), grant in self.grants.items()
                if uid == user_id
            ]

    def access_token_count(self) -> int:
        with self.lock:
            return sum(1 for t in self._access.values() if t.expires_at > self.now())


def _redirect(request: dict, params: dict) -> str:
    if request.get("state") is not None:
        params = {**params, "state": request["state"]}
    separator = "&" if "?" in request["redirect_uri"] else "?"
    return f"{request['redirect_uri']}{separator}{urlencode(params)}"
