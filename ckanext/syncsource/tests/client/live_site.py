"""A live CKAN site for the client tests: `ckan run` in a subprocess, seen over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ckanext.syncsource.client import SynchronizationClient
from ckanext.syncsource.client.action_api import ActionApi
from ckanext.syncsource.core.normalize import OWNERSHIP_EXTRA

STARTUP_SECONDS = 90
BIND_ATTEMPTS = 5
_LISTENING = re.compile(r"Running on http://127\.0\.0\.1:(\d+)")


class CkanServer:
    """`ckan run` on a free port, started by the first `url()` and stopped by `stop()`."""

    def __init__(self, ini: Path, log_path: Path, own_site_url: bool = False) -> None:
        """`own_site_url`: the server's ckan.site_url is its own address (a browser's login
        cookie is set for the site_url's host)."""
        self._ini = ini
        self._own_site_url = own_site_url
        self._log_path = log_path
        self._process: subprocess.Popen | None = None
        self._url = ""

    def url(self) -> str:
        if self._process is None:
            self._start()
        return self._url

    def _start(self) -> None:
        for _ in range(BIND_ATTEMPTS):
            if self._try_start():
                return
        raise RuntimeError(f"ckan run found no free port in {BIND_ATTEMPTS} tries")

    def _try_start(self) -> bool:
        """Start the server; False when the port it was given was taken meanwhile.

        Without its own site URL the server binds port 0 and the port is read from its log.
        With it, CKAN must know the port before it starts: a free port is picked, and taken
        again if another process bound it first (a loaded machine makes that race real).
        """
        port = _free_port() if self._own_site_url else 0
        ckan = Path(sys.executable).with_name("ckan")
        command = [str(ckan), "-c", str(self._ini), "run", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--disable-reloader", "--threaded"]
        env = os.environ.copy()
        if self._own_site_url:
            env["CKAN_SITE_URL"] = f"http://127.0.0.1:{port}"
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                if "Address already in use" in self._log_tail():
                    return False
                raise RuntimeError(f"ckan run exited: {self._log_tail()}")
            listening = _LISTENING.search(self._log_path.read_text(errors="replace"))
            if listening:
                self._url = f"http://127.0.0.1:{listening.group(1)}"
                try:
                    answer = requests.get(f"{self._url}/api/3/action/status_show", timeout=5)
                    if answer.ok:
                        return True
                except requests.ConnectionError:
                    pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"ckan run did not answer in {STARTUP_SECONDS}s: {self._log_tail()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _log_tail(self) -> str:
        return self._log_path.read_text(errors="replace")[-3000:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Site:
    """The live site, as a sysadmin sees it over HTTP."""

    url: str
    token: str
    api: ActionApi

    def client(self, **options: Any) -> SynchronizationClient:
        return SynchronizationClient(self.url, self.token, timeout=30, **options)

    def dataset(self, name_or_id: str) -> dict[str, Any]:
        return self.api.call("package_show", {"id": name_or_id})

    def owned(self, source_name: str) -> dict[str, dict[str, Any]]:
        """Active datasets of the source by source id, straight from the search index."""
        result = self.api.call(
            "package_search",
            {"q": "*:*", "rows": 1000, "include_private": True, "include_drafts": True},
        )
        prefix = f"{source_name}:"
        owned = {}
        for dataset in result["results"]:
            marker = extra(dataset, OWNERSHIP_EXTRA)
            if marker and marker.startswith(prefix):
                owned[marker[len(prefix) :]] = dataset
        return owned

    def organization(self, name: str) -> dict[str, Any]:
        return self.api.call("organization_show", {"id": name})

    def group(self, name: str) -> dict[str, Any]:
        return self.api.call("group_show", {"id": name})


def extra(dataset: dict[str, Any], key: str) -> str | None:
    return next((e["value"] for e in dataset.get("extras", ()) if e["key"] == key), None)
