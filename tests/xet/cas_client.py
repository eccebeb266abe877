"""Raw HTTP calls to the hub's Xet routes, the way hf_xet makes them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass
class Cas:
    """Raw calls to the hub's Xet routes, the way hf_xet makes them."""

    base: str
    token: str

    def _headers(self, extra: dict | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def post_xorb(self, hex_hash: str, body: bytes) -> httpx.Response:
        return httpx.post(f"{self.base}/v1/xorbs/default/{hex_hash}", content=body, headers=self._headers())

    def post_shard(self, body: bytes) -> httpx.Response:
        return httpx.post(f"{self.base}/v1/shards", content=body, headers=self._headers())

    def reconstruction(self, file_hash: str, version: int = 1, byte_range: str | None = None) -> httpx.Response:
        extra = {"Range": byte_range} if byte_range else {}
        return httpx.get(f"{self.base}/v{version}/reconstructions/{file_hash}", headers=self._headers(extra))

    def dedup(self, chunk_hex: str) -> httpx.Response:
        return httpx.get(f"{self.base}/v1/chunks/default/{chunk_hex}", headers=self._headers())


def xet_token(server, repo_id: str, scope: str, hf_token: str | None, kind: str = "models",
              query: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {hf_token}"} if hf_token else {}
    return httpx.get(f"{server.url}/api/{kind}/{repo_id}/xet-{scope}-token/main{query}", headers=headers)


def cas_for(server, repo_id: str, scope: str, hf_token: str | None) -> Cas:
    answer = xet_token(server, repo_id, scope, hf_token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Cas(body["casUrl"], body["accessToken"])
