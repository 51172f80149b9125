"""A PEP 517 build backend for pytest-secantus with no dependencies (so pip can build offline).

Builds a pure-Python wheel of the `pytest_secantus` package with a `pytest11` entry point, and an
sdist of this folder. Name and version come from pytest_secantus/__init__.py.
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "pytest_secantus"
DIST = "pytest_secantus"
NAME = "pytest-secantus"


def _version():
    with open(os.path.join(ROOT, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def _metadata():
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {_version()}\n"
        "Summary: pytest fixtures for a SecantusDB (MongoDB wire protocol) test server\n"
        "Requires-Python: >=3.8\n"
        "Classifier: Framework :: Pytest\n"
    )


ENTRY_POINTS = "[pytest11]\nsecantus = pytest_secantus.plugin\n"
WHEEL = "Wheel-Version: 1.0\nGenerator: secantus_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _dist_info():
    return f"{DIST}-{_version()}.dist-info"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, _dist_info())
    os.makedirs(info, exist_ok=True)
    for name, text in (("METADATA", _metadata()), ("entry_points.txt", ENTRY_POINTS)):
        with open(os.path.join(info, name), "w", encoding="utf-8") as f:
            f.write(text)
    return _dist_info()


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []
    for name in sorted(os.listdir(os.path.join(ROOT, PACKAGE))):
        if name.endswith(".py"):
            with open(os.path.join(ROOT, PACKAGE, name), "rb") as f:
                files.append((f"{PACKAGE}/{name}", f.read()))
    info = _dist_info()
    files += [
        (f"{info}/METADATA", _metadata().encode()),
        (f"{info}/WHEEL", WHEEL.encode()),
        (f"{info}/entry_points.txt", ENTRY_POINTS.encode()),
    ]
    record = "\n".join([_record_line(p, d) for p, d in files] + [f"{info}/RECORD,,"]) + "\n"
    filename = f"{DIST}-{_version()}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as whl:
        for path, data in files:
            whl.writestr(path, data)
        whl.writestr(f"{info}/RECORD", record)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    base = f"{DIST}-{_version()}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tar:
        for rel in ["pyproject.toml", "README.md", "_build/secantus_build.py"] + [
            f"{PACKAGE}/{n}" for n in sorted(os.listdir(os.path.join(ROOT, PACKAGE))) if n.endswith(".py")
        ]:
            tar.add(os.path.join(ROOT, rel), arcname=f"{base}/{rel}")
        pkg_info = _metadata().encode()
        ti = tarfile.TarInfo(f"{base}/PKG-INFO")
        ti.size = len(pkg_info)
        tar.addfile(ti, io.BytesIO(pkg_info))
    return filename
