"""A deployment on loopback, as deploy/ describes it (issue 26): one PostgreSQL database, the migration run once,
N Streamlit replicas sharing one ``cookie_secret``, HAProxy (``deploy/haproxy.cfg``) with cookie stickiness in
front, and a real OIDC provider (the PyPI package ``oidc-provider-mock``, MIT) in this process.

Used by ``tests/test_deploy.py`` and ``scripts/load_run.py``. HAProxy's configuration is the file in deploy/ with
only what a loopback run must change: the bind address (no TLS), the replicas' ports and logging to stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
STICKY_COOKIE = "KOMPILOT_REPLIKA"
CLIENT_ID = "kompilot-test"
RUN_TIMEOUT = 60.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float, process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Until ``url`` answers 200 (or ``process`` dies, or ``timeout`` seconds pass)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s\n{tail}")


def streamlit_command(port: int, address: str, secrets_file: Path) -> list[str]:
    """``streamlit run app.py`` as a systemd unit in deploy/ starts a replica."""
    from browser_support import streamlit_command as command

    return command("app.py", port, address, options=("--secrets.files", str(secrets_file)))


@contextlib.contextmanager
def streamlit_server(address: str, secrets_file: Path, log: Path, env: dict | None = None):
    """One app server on a free port (listening on ``address``); yields its loopback URL."""
    port = free_port()
    handle = log.open("ab")
    process = subprocess.Popen(
        streamlit_command(port, address, secrets_file),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/_stcore/health", 90, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def haproxy_config(port: int, replicas: list[tuple[str, int]]) -> str:
    """deploy/haproxy.cfg for loopback: plain HTTP on 127.0.0.1:``port``, the replicas on their ports, logs on stdout."""
    text = HAPROXY_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"^\s*log /dev/log.*$", "    log stdout format raw local0 info", text, flags=re.M)
    text = re.sub(r"^\s*bind :443 .*\n", "", text, flags=re.M)
    text = re.sub(r"^\s*http-request redirect scheme https.*\n", "", text, flags=re.M)
    text = re.sub(r"^(\s*)bind :80\s*$", rf"\1bind 127.0.0.1:{port}", text, flags=re.M)
    servers = "".join(f"    server {name} 127.0.0.1:{p} check cookie {name}\n" for name, p in replicas)
    text, count = re.subn(r"(?:^\s*server replika\d+ .*\n)+", servers, text, flags=re.M)
    assert count == 1, "deploy/haproxy.cfg: the server lines were not found"
    return text


@dataclass
class Replica:
    name: str
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Deployment:
    """Start with :meth:`start` (or use as a context manager); everything is stopped and removed by :meth:`stop`."""

    admin_url: str  # a PostgreSQL server where this user may create databases
    replica_count: int = 2
    users: dict[str, dict] = field(default_factory=dict)  # OIDC subject -> claims
    session_minutes: float = 480
    coordinators: dict[str, str] = field(default_factory=dict)  # the e-mail allow-list (fallback)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kompilot-deploy-")))
    replicas: list[Replica] = field(default_factory=list)
    port: int = 0
    log_key: str = field(default_factory=lambda: secrets.token_hex(16))
    timings: dict[str, float] = field(default_factory=dict)

    # --- the parts ---------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def oidc_url(self) -> str:
        return f"http://127.0.0.1:{self._oidc.server_port}"

    def _time(self, name: str, started: float) -> None:
        self.timings[name] = time.perf_counter() - started

    def _database(self) -> None:
        import sqlalchemy as sa

        self.database_name = f"kompilot_deploy_{os.getpid()}_{secrets.token_hex(3)}"
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.database_name}"'))
        admin.dispose()
        self.database_url = str(
            sa.engine.make_url(self.admin_url).set(database=self.database_name).render_as_string(hide_password=False)
        )

    def _drop_database(self) -> None:
        import sqlalchemy as sa

        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)'))
        admin.dispose()

    def _provider(self) -> None:
        import oidc_provider_mock
        import werkzeug.serving

        app = oidc_provider_mock.app(
            require_nonce=True,
            access_token_max_age=timedelta(hours=1),
            user_claims=[oidc_provider_mock.User(sub=sub, claims=claims) for sub, claims in self.users.items()],
        )
        self._oidc = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
        self._oidc_thread = threading.Thread(target=self._oidc.serve_forever, kwargs={"poll_interval": 0.1})
        self._oidc_thread.daemon = True
        self._oidc_thread.start()

    def set_user(self, sub: str, claims: dict) -> None:
        """Claims the provider puts in ``sub``'s next ID token (``PUT /users/{sub}``)."""
        request = urllib.request.Request(
            f"{self.oidc_url}/users/{sub}",
            data=json.dumps(claims).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204

    def _secrets(self) -> None:
        import tomllib

        coordinators = "".join(f'"{email}" = "{region}"\n' for email, region in self.coordinators.items())
        self.secrets_path = self.folder / "secrets.toml"
        self.secrets_path.write_text(
            "[auth]\n"
            f'redirect_uri = "{self.url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{secrets.token_hex(8)}"\n'
            f'server_metadata_url = "{self.oidc_url}/.well-known/openid-configuration"\n'
            "\n[kompilot]\n"
            f'issuer = "{self.oidc_url}"\n'
            f"okt_minutter = {self.session_minutes}\n"
            "\n[kompilot.koordinatorer]\n" + coordinators,
            encoding="utf-8",
        )
        self.secrets_path.chmod(0o600)
        tomllib.loads(self.secrets_path.read_text(encoding="utf-8"))

    def environment(self) -> dict[str, str]:
        """The environment of every replica and of the migration (deploy/kompilot.env.example)."""
        env = {**os.environ}
        for variable in ("KOMPILOT_NEEDS_FILE", "KOMPILOT_OFFERS_FILE"):
            env.pop(variable, None)
        env.update(
            {
                "KOMPILOT_DATABASE_URL": self.database_url,
                "KOMPILOT_DATA_DIR": str(self.folder / "data"),
                "KOMPILOT_MIGRATE": "0",
                "KOMPILOT_LOG_KEY": self.log_key,
                "MALLOC_ARENA_MAX": "2",
            }
        )
        return env

    def migrate(self) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "kompilot_data", "migrate"],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            raise RuntimeError(f"migrate failed: {result.stdout}{result.stderr}")
        return result.stdout.strip()

    def seed(self) -> None:
        """The demo data, as the first replica would write it on first start."""
        from kompilot_data.records import storage

        engine = storage.make_engine(self.database_url, migrate=False)
        storage.seed_demo_if_empty(engine)
        engine.dispose()

    def _start_replica(self, replica: Replica) -> None:
        command = streamlit_command(replica.port, "127.0.0.1", self.secrets_path)
        handle = replica.log.open("ab")
        replica.process = subprocess.Popen(
            command, cwd=ROOT, env=self.environment(), stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()

    def _wait_replica(self, replica: Replica, timeout: float = 90) -> None:
        wait_for(f"{replica.url}/_stcore/health", timeout, replica.process, replica.log)

    def _haproxy(self) -> None:
        executable = shutil.which("haproxy") or "/usr/sbin/haproxy"
        config = self.folder / "haproxy.cfg"
        config.write_text(haproxy_config(self.port, [(r.name, r.port) for r in self.replicas]), encoding="utf-8")
        self.haproxy_log = self.folder / "haproxy.log"
        handle = self.haproxy_log.open("ab")
        self._haproxy_process = subprocess.Popen(
            [executable, "-f", str(config), "-db"], stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()
        wait_for(f"{self.url}/_stcore/health", 30, self._haproxy_process, self.haproxy_log)
        # both replicas up in HAProxy's eyes (its health checks run every 2 s, rise 2)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self.replicas_up():
            time.sleep(0.3)

    def replicas_up(self) -> bool:
        return all(self.health(r) for r in self.replicas)

    def health(self, replica: Replica) -> bool:
        try:
            with urllib.request.urlopen(f"{replica.url}/_stcore/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> Deployment:
        started = time.perf_counter()
        self.port = free_port()
        self._database()
        self._provider()
        self._secrets()
        self._time("database, provider, secrets", started)
        step = time.perf_counter()
        self.migrate_output = self.migrate()
        self.seed()
        self._time("migrate and seed", step)
        step = time.perf_counter()
        self.replicas = [
            Replica(f"replika{i + 1}", free_port(), self.folder / f"replika{i + 1}.log")
            for i in range(self.replica_count)
        ]
        for replica in self.replicas:
            self._start_replica(replica)
        for replica in self.replicas:
            self._wait_replica(replica)
        self._time("replicas", step)
        step = time.perf_counter()
        self._haproxy()
        self._time("haproxy", step)
        return self

    def stop_replica(self, replica: Replica) -> None:
        if replica.process and replica.process.poll() is None:
            replica.process.terminate()
            try:
                replica.process.wait(15)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait(5)

    def restart_replica(self, replica: Replica) -> None:
        self.stop_replica(replica)
        self._start_replica(replica)
        self._wait_replica(replica)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if getattr(self, "_haproxy_process", None):
                self._haproxy_process.terminate()
                self._haproxy_process.wait(10)
        for replica in self.replicas:
            with contextlib.suppress(Exception):
                self.stop_replica(replica)
        with contextlib.suppress(Exception):
            if getattr(self, "_oidc", None):
                self._oidc.shutdown()
        with contextlib.suppress(Exception):
            if getattr(self, "database_name", None):
                self._drop_database()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Deployment:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def operations_log(self) -> list[dict]:
        """Every JSON line the replicas wrote to the operations log (``kompilot.drift``)."""
        lines = []
        for replica in self.replicas:
            for line in replica.log.read_text(errors="replace").splitlines():
                if line.startswith('{"tid"'):
                    lines.append(json.loads(line))
        return lines


# --- a session without a browser: Streamlit's websocket protocol (scripts/load_run.py, tests/test_login_server.py) ----


def rerun_message(query: str, page: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_name = page
    return message.SerializeToString()


async def page_update(ws, query: str, page: str) -> tuple[float, str | None]:
    """Send one rerun request; wait for ``script_finished``. (milliseconds, error or None)."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    started = time.perf_counter()
    await ws.send(rerun_message(query, page))
    problem = None
    deadline = started + RUN_TIMEOUT
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return (time.perf_counter() - started) * 1000, f"no script_finished within {RUN_TIMEOUT:.0f} s"
        try:
            data = await asyncio.wait_for(ws.recv(), remaining)
        except TimeoutError:
            continue
        if isinstance(data, str):
            continue
        message = ForwardMsg()
        message.ParseFromString(data)
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                problem = problem or f"exception: {element.exception.type}: {element.exception.message[:200]}"
            elif which == "alert" and element.alert.format == Alert.ERROR:
                problem = problem or f"error box: {element.alert.body[:200]}"
        elif kind == "script_finished":
            status = message.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if status not in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                problem = problem or f"script finished with status {status}"
            return elapsed, problem


def load_page(url: str, query: str = "", page: str = "", headers: dict | None = None) -> tuple[float, str | None]:
    """Open a session on ``url`` and run ``page`` with ``query`` once: (milliseconds, the first problem or None)."""
    import websockets

    async def once():
        async with websockets.connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            additional_headers={"Origin": url, **(headers or {})},
            max_size=None,
            open_timeout=30,
        ) as ws:
            return await page_update(ws, query, page)

    return asyncio.run(once())
