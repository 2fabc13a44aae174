"""A previous release of the service, installed from its tag into a venv of its own.

The source is ``git archive <tag>`` of this repository (no network); the venv is built
from that release's own ``requirements-runtime.lock`` with uv (its package cache is the
one ``make setup`` fills) and kept under ``.cache/releases/<tag>/``, so later runs reuse it.

When the tag is missing (a clone made without tags), the release's commit, pinned in
`RELEASES`, is used if this clone holds it; when neither is there the caller gets a
`ReleaseMissing` saying why and what to run, never a skip.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Each release's tag and the commit it names (CHANGELOG.md lists the releases).
RELEASES = {"v0.1.0": "6d64dee09b337d77e1649f8d2cef0a51e23b37fc"}
LAST_RELEASE = "v0.1.0"


class ReleaseMissing(AssertionError):
    """The release's source is not in this clone."""


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)


def release_commit(tag: str = LAST_RELEASE) -> str:
    """The commit of ``tag``: from the tag when this clone has it (it must name the pinned
    commit), else the pinned commit when this clone holds it."""
    pinned = RELEASES[tag]
    by_tag = _git("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}")
    if by_tag.returncode == 0:
        commit = by_tag.stdout.decode().strip()
        if commit != pinned:
            raise ReleaseMissing(
                f"tag {tag} names {commit}, but tests/support/release.py pins {pinned}: a "
                "release's tag is never moved; fix whichever is wrong"
            )
        return commit
    if _git("cat-file", "-e", f"{pinned}^{{commit}}").returncode == 0:
        return pinned
    raise ReleaseMissing(
        f"neither tag {tag} nor its commit {pinned[:12]} is in this clone ({ROOT}): the "
        f"upgrade test needs the last release's source. Fetch it (git fetch --tags, or "
        "git fetch --unshallow for a shallow clone), or run from a full clone"
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _python311() -> str:
    """The interpreter the release supports (v0.1.0: Python 3.11 only)."""
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if found is None:
        raise ReleaseMissing("the last release runs on Python 3.11, which is not installed")
    return found


def _uv() -> str:
    here = Path(sys.executable).parent / "uv"
    found = str(here) if here.exists() else shutil.which("uv")
    if found is None:
        raise ReleaseMissing("uv is not installed (make setup installs it into .venv/)")
    return found


def release_python(tag: str = LAST_RELEASE, cache: Path | None = None) -> Path:
    """The Python of a venv holding release ``tag`` (built once, then reused)."""
    commit = release_commit(tag)
    home = (cache or ROOT / ".cache") / "releases" / tag
    src, venv = home / "src", home / "venv"
    python = venv / "bin" / "python"
    stamp = home / "installed"
    with _locked(home / ".lock"):
        # the commit fixes the source and its lock, hence the venv
        if stamp.exists() and stamp.read_text() == f"{commit}\n" and python.exists():
            return python
        for stale in (src, venv):
            if stale.exists():
                shutil.rmtree(stale)
        src.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
        subprocess.run([_python311(), "-m", "venv", str(venv)], check=True)
        uv = _uv()
        env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
        for args in (
            ["pip", "sync", "-q", "--python", str(python), str(src / "requirements-runtime.lock")],
            ["pip", "install", "-q", "--python", str(python), "--no-deps", "-e", str(src)],
        ):
            done = subprocess.run([uv, *args], capture_output=True, text=True, env=env)
            if done.returncode != 0:
                raise ReleaseMissing(
                    f"installing {tag} into {venv} failed: uv {' '.join(args[:2])}: "
                    f"{done.stderr[-2000:]}"
                )
        stamp.write_text(f"{commit}\n")
    return python


def release_env(env: dict[str, str], tag: str = LAST_RELEASE) -> dict[str, str]:
    """``env`` for a release's process: none of this checkout's paths, and only the
    variables the release reads or ignores (it refuses names near its own settings)."""
    out = {k: v for k, v in env.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    # settings added after the release (it would refuse a near-miss of its own names)
    for name in ("CORPACTIONS_KAFKA_VERSION",):
        out.pop(name, None)
    return out
