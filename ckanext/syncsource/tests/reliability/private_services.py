"""PostgreSQL, Solr and Redis of the battery's own, to restart in the middle of a job.

The shared services are never stopped: this starts a PostgreSQL cluster, a Solr node (Solr 9.10.1
from the stack's Maven jars, one `ckan` core with the stack's config and CKAN's schema) and a
Redis server in a temporary directory, on loopback ports outside the kernel's ephemeral range
(each service keeps its port across restarts, so an outgoing connection cannot take it in
between). Processes started for the private site get `env()`: the CKAN_* variables override
test.ini's addresses, as they do for the shared test resources. `close()` stops everything.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from ..harvest_runner import session_ini

REPOSITORY = Path(__file__).resolve().parents[4]
STATE = Path(os.environ.get("SYNCSOURCE_STATE") or Path(sys.executable).parents[2])
"""The stack's state directory (.state, holding the venv that runs these tests)."""
SOLR_BUILD = STATE / "solr" / "build"
STARTUP_SECONDS = 120
_PORTS = range(20000, 32000)


def _pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
    return versions[-1]


def _as_postgres(*command: str) -> list[str]:
    """Run a PostgreSQL server program as the postgres user when this is root (initdb and the
    server refuse root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _wait(what: str, ready, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if ready():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not come up within {STARTUP_SECONDS}s")


class PrivateServices:
    """The three services; `stop(name)` and `start(name)` for "postgres", "solr", "redis"."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="syncsource-services-"))
        self.folder.chmod(0o755)
        self.ports: dict[str, int] = {}
        self._solr: subprocess.Popen | None = None
        self._redis: subprocess.Popen | None = None
        self._pg_bin = _pg_bin()
        self._pg_data = self.folder / "postgres"

    # The whole set.

    def open(self) -> None:
        """Start the three services and create the private CKAN site's database and tables."""
        try:
            self._init_postgres()
            for name in ("postgres", "solr", "redis"):
                self._start_on_a_free_port(name)
            self._create_site()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for name in ("redis", "solr", "postgres"):
            self.stop(name)
        shutil.rmtree(self.folder, ignore_errors=True)

    def env(self) -> dict[str, str]:
        """The environment of a process of the private site."""
        return {
            **os.environ,
            "CKAN_SQLALCHEMY_URL": self.database_url,
            "CKAN_SOLR_URL": f"http://127.0.0.1:{self.ports['solr']}/solr/ckan",
            "CKAN_REDIS_URL": self.redis_url,
        }

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/ckan"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    def ckan(self, *args: str) -> str:
        """A `ckan` command on the private site; returns its output."""
        ckan = Path(sys.executable).with_name("ckan")
        done = subprocess.run(
            [str(ckan), "-c", str(session_ini()), *args],
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"ckan {' '.join(args)} failed: {done.stderr[-3000:]}")
        return done.stdout

    def _start_on_a_free_port(self, name: str) -> None:
        for _ in range(20):
            self.ports[name] = random.choice(_PORTS)
            try:
                self.start(name)
                return
            except RuntimeError:
                self.stop(name)
        raise RuntimeError(f"no free port found for the private {name}")

    def _create_site(self) -> None:
        psql = [str(self._pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(self.ports["postgres"])]
        subprocess.run(
            [*psql, "-U", "postgres", "-qc", "CREATE DATABASE ckan ENCODING 'UTF8'"],
            check=True,
            capture_output=True,
        )
        self.ckan("db", "init")
        self.ckan("db", "pending-migrations", "--apply")

    # One service.

    def start(self, name: str) -> None:
        {"postgres": self._start_postgres, "solr": self._start_solr, "redis": self._start_redis}[
            name
        ]()

    def stop(self, name: str) -> None:
        """Stop the service as its init system would (a clean shutdown)."""
        if name == "postgres":
            if (self._pg_data / "postmaster.pid").exists():
                subprocess.run(
                    [*self._pg_ctl(), "-m", "fast", "-w", "-s", "stop"],
                    capture_output=True,
                )
            return
        process = self._solr if name == "solr" else self._redis
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _pg_ctl(self) -> list[str]:
        return _as_postgres(str(self._pg_bin / "pg_ctl"), "-D", str(self._pg_data))

    def _init_postgres(self) -> None:
        self._pg_data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(self._pg_data, "postgres")
        subprocess.run(
            [
                *_as_postgres(str(self._pg_bin / "initdb"), "-D", str(self._pg_data)),
                *("-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"),
            ],
            check=True,
            capture_output=True,
        )

    def _start_postgres(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.ports['postgres']} "
        options += f"-k {self._pg_data} -c fsync=off"
        done = subprocess.run(
            [
                *(*self._pg_ctl(), "-l", str(self._pg_data / "server.log")),
                *("-w", "-s", "-o", options, "start"),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr}")

    def _start_solr(self) -> None:
        home = self.folder / "solr"
        core = home / "ckan"
        if not core.exists():
            (core / "conf").mkdir(parents=True)
            shutil.copy(REPOSITORY / "stack" / "solr" / "home" / "solr.xml", home)
            for conf in (REPOSITORY / "stack" / "solr" / "home" / "ckan" / "conf").iterdir():
                shutil.copy(conf, core / "conf")
            import ckan

            shutil.copy(
                Path(ckan.__file__).parent / "config" / "solr" / "schema.xml", core / "conf"
            )
            (core / "core.properties").write_text("name=ckan\n")
        classpath = [str(SOLR_BUILD / "syncsource-solr-1.0.jar")]
        classpath += (SOLR_BUILD / "classpath.txt").read_text().strip().split(":")
        port = self.ports["solr"]
        with (self.folder / "solr.log").open("ab") as log:
            self._solr = subprocess.Popen(
                [
                    *("java", "-Xms128m", "-Xmx512m", f"-Dsolr.log.dir={self.folder}"),
                    *("-cp", ":".join(classpath), "org.ckan.syncsource.solr.SolrLauncher"),
                    *(str(home), str(port)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        ping = f"http://127.0.0.1:{port}/solr/ckan/admin/ping?wt=json"
        _wait("the private Solr", lambda: requests.get(ping, timeout=5).ok, self._solr)

    def _start_redis(self) -> None:
        port = self.ports["redis"]
        with (self.folder / "redis.log").open("ab") as log:
            self._redis = subprocess.Popen(
                [
                    *("redis-server", "--bind", "127.0.0.1", "--port", str(port)),
                    *("--dir", str(self.folder), "--daemonize", "no"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        import redis

        client = redis.Redis(port=port, socket_timeout=5)
        _wait("the private Redis", client.ping, self._redis)
