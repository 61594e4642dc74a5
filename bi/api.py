"""A small client for Superset's REST API (standard library only).

Logs in with the admin user (JWT for the API, the session cookie for CSRF) and
sends JSON. Used by the importer and by the tests.
"""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class SupersetApiError(RuntimeError):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> HTTP {status}: {body[:2000]}")
        self.status = status
        self.body = body


class SupersetClient:
    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self._cookies)
        )
        self._token: str | None = None
        self._csrf: str | None = None

    def login(self, username: str, password: str) -> None:
        answer = self.request(
            "POST",
            "/api/v1/security/login",
            {"username": username, "password": password, "provider": "db", "refresh": False},
            authenticated=False,
        )
        self._token = answer["access_token"]
        self._csrf = self.request("GET", "/api/v1/security/csrf_token/")["result"]

    @property
    def session_cookies(self) -> dict[str, str]:
        return {cookie.name: cookie.value or "" for cookie in self._cookies}

    def request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        params: dict[str, Any] | None = None,
        authenticated: bool = True,
    ) -> Any:
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if authenticated and self._token:
            request.add_header("Authorization", f"Bearer {self._token}")
        if self._csrf:
            request.add_header("X-CSRFToken", self._csrf)
            request.add_header("Referer", self.base_url + "/")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read().decode()
        except urllib.error.HTTPError as error:
            raise SupersetApiError(method, path, error.code, error.read().decode()) from None
        return json.loads(body) if body else None

    def find(self, resource: str, column: str, value: str) -> dict[str, Any] | None:
        """The one ``resource`` whose ``column`` equals ``value``, or None."""
        query = {"filters": [{"col": column, "opr": "eq", "value": value}], "page_size": 100}
        answer = self.request("GET", f"/api/v1/{resource}/", params={"q": _rison(query)})
        matches = [row for row in answer["result"] if row.get(column) == value]
        return matches[0] if matches else None


def _rison(value: Any) -> str:
    """Encode the small subset of Rison that Superset's list filters use."""
    if isinstance(value, dict):
        return "(" + ",".join(f"{k}:{_rison(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(_rison(v) for v in value) + ")"
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("!", "!!").replace("'", "!'")
    return f"'{text}'"
