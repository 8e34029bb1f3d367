"""A second CKAN site for the battery, over https on loopback, to harvest with `format: ckan`.

It keeps its tables in a schema of its own in the test database (the test role may not create
databases) and its index documents under a site_id of its own in the same Solr core (CKAN
filters every search by site_id), so the test site never sees its datasets. `ckan run` binds the
port itself (port 0) and the test reads the port from its log. Stopped and dropped on `close()`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
import requests
import sqlalchemy as sa

from ..harvest_runner import session_ini

SCHEMA = "syncsource_remote"
SITE_ID = "syncsource_remote"
STARTUP_SECONDS = 90
_LISTENING = re.compile(r"Running on https://127\.0\.0\.1:(\d+)")


class RemoteCkan:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.log_path = folder / "remote-ckan.log"
        self.certificate = folder / "cert.pem"
        self._key = folder / "key.pem"
        self._process: subprocess.Popen | None = None
        self._engine = sa.create_engine(tk.config["sqlalchemy.url"])
        self.token = ""
        self.url = ""

    def _env(self) -> dict[str, str]:
        url = tk.config["sqlalchemy.url"]
        joiner = "&" if "?" in url else "?"
        return {
            **os.environ,
            "CKAN_SQLALCHEMY_URL": f"{url}{joiner}options=-csearch_path={SCHEMA}",
            "CKAN_SITE_ID": SITE_ID,
        }

    def _ckan(self, *args: str) -> str:
        ckan = Path(sys.executable).with_name("ckan")
        done = subprocess.run(
            [str(ckan), "-c", str(session_ini()), *args],
            env=self._env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def create(self) -> None:
        """A new empty site with a sysadmin and an API token, and a certificate for 127.0.0.1."""
        self._drop()
        with self._engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        self._ckan("db", "init")
        self._ckan(
            "user", "add", "remote-admin", "email=remote@example.org", f"password={'x' * 12}"
        )
        self._ckan("sysadmin", "add", "remote-admin")
        self.token = self._ckan("user", "token", "add", "remote-admin", "battery").split()[-1]
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
                *("-keyout", str(self._key), "-out", str(self.certificate)),
                *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        ckan = Path(sys.executable).with_name("ckan")
        command = [str(ckan), "-c", str(session_ini()), "run", "--host", "127.0.0.1", "--port"]
        command += ["0", "--disable-reloader", "--threaded", "-C", str(self.certificate)]
        command += ["-K", str(self._key)]
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self._env()
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the remote ckan run exited: {self.log()[-3000:]}")
            found = _LISTENING.search(self.log()[log_start:])
            if found:
                self.url = f"https://127.0.0.1:{found.group(1)}"
                self.call("status_show")
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the remote ckan run did not start: {self.log()[-3000:]}")

    def call(self, action: str, **data: Any) -> Any:
        """An action on the remote site, as its sysadmin."""
        answer = requests.post(
            f"{self.url}/api/3/action/{action}",
            json=data,
            headers={"Authorization": self.token},
            verify=str(self.certificate),
            timeout=60,
        )
        body = answer.json()
        assert body["success"], body
        return body["result"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def close(self) -> None:
        self.stop()
        self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        with self._engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        requests.post(
            f"{tk.config['solr_url']}/update?commit=true",
            json={"delete": {"query": f'site_id:"{SITE_ID}"'}},
            timeout=60,
        ).raise_for_status()
