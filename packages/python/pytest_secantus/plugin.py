"""The pytest plugin (entry point `pytest11: secantus`): options and session fixtures.

    secantus_server  session scope: a running SecantusServer (.uri, .port, .stop(), .log_tail())
    mongodb_uri      session scope: its connection string (mongodb://127.0.0.1:PORT/?directConnection=true)

Options: --secantus-bin CMD, --secantus-storage PATH (default :memory:), --secantus-arg FLAG
(repeatable), --secantus-start-timeout SECONDS.
"""
import pytest

from .server import SecantusServer, find_command


def pytest_addoption(parser):
    group = parser.getgroup("secantus", "SecantusDB test server")
    group.addoption(
        "--secantus-bin",
        default=None,
        help="the secantusdb command (an executable, node_modules/.bin/secantusdb, or "
        "'deno run -A /path/to/main.ts'); default $SECANTUS_BIN, then secantusdb on PATH",
    )
    group.addoption("--secantus-storage", default=":memory:", help="data directory or :memory: (default)")
    group.addoption(
        "--secantus-arg", action="append", default=[], help="an extra secantusdb serve flag (repeatable)"
    )
    group.addoption(
        "--secantus-start-timeout", type=float, default=30.0, help="seconds to wait for the server (30)"
    )


@pytest.fixture(scope="session")
def secantus_server(request):
    """One SecantusDB server for the whole test session, stopped at its end."""
    config = request.config
    try:
        command = find_command(config.getoption("secantus_bin"))
    except RuntimeError as e:
        raise pytest.UsageError(str(e)) from e
    args = []
    for a in config.getoption("secantus_arg"):
        args.extend(a.split())
    server = SecantusServer(
        command,
        storage=config.getoption("secantus_storage"),
        args=args,
        start_timeout=config.getoption("secantus_start_timeout"),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mongodb_uri(secantus_server):
    """The session server's connection string."""
    return secantus_server.uri
