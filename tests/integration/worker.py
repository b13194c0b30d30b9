"""A real Celery worker in a subprocess, on its own Redis database, writing e-mail to files."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import redis
from django.conf import settings
from django.db import connection

# A Redis database of the integration tests' own, emptied before and after use.
BROKER_DB = int(os.environ.get("SOCIUS_TEST_BROKER_DB", "5"))
QUEUE = "celery"
READY_TIMEOUT = 45
STOP_TIMEOUT = 10


def broker_url_for_tests():
    """The configured broker's server, with the tests' own database number."""
    parts = urlsplit(os.environ["CELERY_BROKER_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{BROKER_DB}", parts.query, ""))


def database_url_for_tests():
    """The test database (not the one DATABASE_URL names) on the same server."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def celery_command():
    script = Path(sys.executable).with_name("celery")
    return [str(script)] if script.exists() else [sys.executable, "-m", "celery"]


class CeleryWorker:
    def __init__(self):
        self.broker_url = broker_url_for_tests()
        self.broker = redis.Redis.from_url(self.broker_url)
        self.tmp = Path(tempfile.mkdtemp(prefix="socius-worker-"))
        self.mail_dir = self.tmp / "mail"
        self.mail_dir.mkdir()
        self.log_path = self.tmp / "worker.log"
        self.node = f"socius-test-{uuid.uuid4().hex[:8]}@%h"
        self.process = None
        self.log_offset = 0

    def start(self):
        self.broker.flushdb()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backoffice.settings_test",
            "DATABASE_URL": database_url_for_tests(),
            "CELERY_BROKER_URL": self.broker_url,
            "SOCIUS_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "SOCIUS_EMAIL_FILE_PATH": str(self.mail_dir),
            "SOCIUS_MEDIA_ROOT": str(self.tmp / "media"),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            *celery_command(),
            "-A",
            "backoffice",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=info",
            "-n",
            self.node,
            "-Q",
            QUEUE,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with open(self.log_path, "wb") as log:
            # A session of its own: stop() can end the worker and its pool children together.
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if " ready." in self.log():
                return self
            time.sleep(0.2)
        log = self.log()
        self.stop()
        raise AssertionError(f"the Celery worker was not ready within {READY_TIMEOUT}s:\n{log}")

    def log(self, *, since_reset=False):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[self.log_offset :] if since_reset else text

    def reset(self):
        """Between tests: forget earlier mail and log lines (the broker is empty by then)."""
        for path in self.mails():
            path.unlink()
        self.log_offset = len(self.log())

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT)
        if self.process is not None:
            # Pool children left behind by a killed parent belong to the same process group.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.broker.flushdb()
        self.broker.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _signal(self, signum):
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def queued(self):
        """Messages waiting in the queue or delivered and not yet acknowledged."""
        return self.broker.llen(QUEUE) + self.broker.hlen("unacked")

    def mails(self):
        return sorted(self.mail_dir.iterdir())

    def mail_texts(self):
        return [path.read_text(errors="replace") for path in self.mails()]
