"""Runs the `secantusdb` command as a child process and waits (bounded) for its startup line.

The server is started with `--port 0` (a free port), the chosen storage (default `:memory:`), test
commands on (configureFailPoint, as drivers' own suites use) and an empty configuration file, so no
`secantusdb.toml` of the machine is picked up. Its log is kept (the last 200 lines) and quoted when
it fails to start or dies.
"""
import collections
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time

# "SecantusDB listening on 127.0.0.1:41234 (mongodb://127.0.0.1:41234/?directConnection=true); data …"
_LISTENING = re.compile(r"listening on \S+:(\d+) \((mongodb://[^)\s]+)\)")


def find_command(explicit=None):
    """The server command as an argv list: `explicit`, else $SECANTUS_BIN, else `secantusdb` on PATH.

    A value may be a whole command line, e.g. "deno run -A /path/to/secantusdb/main.ts".
    """
    for value in (explicit, os.environ.get("SECANTUS_BIN")):
        if value:
            return shlex.split(value)
    found = shutil.which("secantusdb")
    if found:
        return [found]
    raise RuntimeError(
        "no SecantusDB server command: pass --secantus-bin (a `secantusdb` executable, "
        "node_modules/.bin/secantusdb from the npm package, or \"deno run -A /path/to/main.ts\"), "
        "set SECANTUS_BIN, or put secantusdb on PATH"
    )


class SecantusServer:
    """One server process. `uri`, `port` once started; `stop()` is idempotent."""

    def __init__(self, command, storage=":memory:", args=(), start_timeout=30.0):
        self.command = list(command)
        self.storage = storage
        self.args = list(args)
        self.start_timeout = start_timeout
        self.port = None
        self.uri = None
        self._proc = None
        self._tail = collections.deque(maxlen=200)
        self._ready = threading.Event()
        self._reader = None
        self._tmp = None

    def log_tail(self):
        return "\n".join(self._tail)

    def _read(self):
        for line in self._proc.stdout:
            line = line.rstrip("\n")
            self._tail.append(line)
            if self.port is None:
                m = _LISTENING.search(line)
                if m:
                    self.port = int(m.group(1))
                    self.uri = m.group(2)
                    self._ready.set()
        self._ready.set()  # exited: wake the waiter

    def start(self):
        extra = list(self.args)
        if "--config" not in extra and not any(a.startswith("--config=") for a in extra):
            self._tmp = tempfile.mkdtemp(prefix="secantus-pytest-")
            empty = os.path.join(self._tmp, "secantusdb.toml")
            open(empty, "w").close()
            extra = ["--config", empty] + extra
        argv = self.command + [
            "--port", "0",
            "--storage-path", self.storage,
            "--enable-test-commands",
            "--log-level", "INFO",
        ] + extra
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as e:
            raise RuntimeError(f"could not run {argv[0]}: {e}") from e
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.start_timeout
        while not self._ready.wait(0.05):
            if time.monotonic() > deadline:
                self._kill()
                raise RuntimeError(
                    f"SecantusDB did not start within {self.start_timeout} s; log tail:\n{self.log_tail()}"
                )
        if self.port is None:
            code = self._proc.wait()
            self._reader.join(5)
            raise RuntimeError(f"SecantusDB exited with code {code} before it was ready; log tail:\n{self.log_tail()}")
        return self

    def _kill(self):
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def stop(self, timeout=10.0):
        """SIGTERM (clean shutdown), SIGKILL after `timeout`. Returns the exit code."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill()
        if self._reader:
            self._reader.join(5)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        return self._proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
