"""The calendar cache of an installed wheel: it never writes beside the package (an image's
or a system install's site-packages is read-only), it works from the user's cache
directory, and a seed built into the installation (as deploy/Dockerfile does) is read
without computing or writing anything. No warning in any of these."""

from __future__ import annotations

import os
import shutil
import site
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "schemas" / "examples" / "board-resolution.iij-fy2016-interim.json"


def _uv() -> str:
    for candidate in (Path(sys.prefix) / "bin" / "uv", ROOT / ".venv" / "bin" / "uv"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("uv")
    assert found, "uv is installed by `make setup` (.venv/bin/uv)"
    return found


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def _read_only(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the built wheel (its dependencies reached through a .pth line to
    this interpreter's site-packages), its files read-only."""
    tmp = tmp_path_factory.mktemp("wheel")
    # a copy of the source: setuptools writes build/ and *.egg-info beside it, and another
    # run (make test runs the unit tests on several Pythons at once) may be building too
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "services", source / "services", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run(
        [_uv(), "build", "--wheel", "--quiet", "--out-dir", str(tmp / "dist"), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = (tmp / "dist").glob("corpactions-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [_uv(), "pip", "install", "--quiet", "--no-deps", "--python", str(python), str(wheel)],
        check=True,
        timeout=300,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = "\n".join(site.getsitepackages())
    (Path(purelib) / "_dependencies.pth").write_text(deps + "\n")
    return venv


def _schedule(venv: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CORPACTIONS_", "KAFKA_", "XDG_", "PYTHON"))
    }
    return subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sys\n"
            "import corpactions\n"
            "from corpactions.cli import main\n"
            "code = main(['schedule', sys.argv[1]])\n"
            "print('package:', corpactions.__file__, file=sys.stderr)\n"
            "print('computed:', 'exchange_calendars' in sys.modules, file=sys.stderr)\n"
            "sys.exit(code)\n",
            str(EXAMPLE),
        ],
        env={**env, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=home,
    )


def _lines(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    out = {}
    for line in done.stderr.splitlines():
        key, _, value = line.partition(": ")
        out[key] = value
    return out


def test_the_installed_wheel_caches_calendars_in_the_users_cache_directory(
    installed: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _read_only(installed)
    before = _files(installed)

    first = _schedule(installed, home)
    assert first.returncode == 0, first.stderr
    said = _lines(first)
    assert said.keys() == {"package", "computed"}, first.stderr  # no warning, nothing else
    assert said["package"].startswith(str(installed))  # the wheel, not the checkout
    assert said["computed"] == "True"
    cached = home / ".cache" / "corpactions" / "calendars"
    assert list(cached.rglob("*.json")), "nothing cached in ~/.cache/corpactions/calendars"

    second = _schedule(installed, home)
    assert second.returncode == 0, second.stderr
    assert _lines(second) == {**said, "computed": "False"}  # read from the cache
    assert second.stdout == first.stdout
    assert _files(installed) == before  # nothing written beside the package


def test_a_seed_built_into_the_installation_is_read_without_writing(
    installed: Path, tmp_path: Path
) -> None:
    """As in the image: the seed under <prefix>/share/corpactions/calendars, the user's
    cache directory empty (and unusable: a file where the folder would be)."""
    home = tmp_path / "home"
    home.mkdir()
    warm = tmp_path / "warm"
    warm.mkdir()
    assert _schedule(installed, warm).returncode == 0
    seed = installed / "share" / "corpactions" / "calendars"
    for p in installed.rglob("*"):
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
    if seed.exists():
        shutil.rmtree(seed)
    shutil.copytree(warm / ".cache" / "corpactions" / "calendars", seed)
    _read_only(installed)
    (home / ".cache").write_text("not a folder: nothing can be written under it")
    before = _files(installed)

    done = _schedule(installed, home)
    assert done.returncode == 0, done.stderr
    said = _lines(done)
    assert said.keys() == {"package", "computed"}, done.stderr  # no warning
    assert said["computed"] == "False"  # read from the seed
    assert _files(installed) == before
