"""pytest-secantus: a SecantusDB server for the test session (fixtures `secantus_server`, `mongodb_uri`)."""
from .server import SecantusServer, find_command

__version__ = "0.1.0"
__all__ = ["SecantusServer", "find_command", "__version__"]
