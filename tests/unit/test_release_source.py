"""Where the upgrade test gets the last release's source (tests/support/release.py): the
tag, else its pinned commit, else a failure saying why (never a skip)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import release


def _repo(path: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(path), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    path.mkdir()
    git("init", "-q")
    (path / "f").write_text("x")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    return git("rev-parse", "HEAD")


def test_the_tag_names_the_pinned_commit_in_this_repository() -> None:
    assert release.release_commit(release.LAST_RELEASE) == release.RELEASES[release.LAST_RELEASE]


def test_without_the_tag_the_pinned_commit_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = _repo(tmp_path / "clone")
    monkeypatch.setattr(release, "ROOT", tmp_path / "clone")
    monkeypatch.setitem(release.RELEASES, "v9.9.9", commit)
    assert release.release_commit("v9.9.9") == commit


def test_a_moved_tag_fails_saying_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit = _repo(tmp_path / "clone")
    subprocess.run(["git", "-C", str(tmp_path / "clone"), "tag", "v9.9.9"], check=True)
    monkeypatch.setattr(release, "ROOT", tmp_path / "clone")
    monkeypatch.setitem(release.RELEASES, "v9.9.9", "0" * 40)
    with pytest.raises(release.ReleaseMissing, match=f"tag v9.9.9 names {commit}"):
        release.release_commit("v9.9.9")


def test_neither_tag_nor_commit_fails_saying_what_to_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo(tmp_path / "clone")
    monkeypatch.setattr(release, "ROOT", tmp_path / "clone")
    monkeypatch.setitem(release.RELEASES, "v9.9.9", "1" * 40)
    with pytest.raises(release.ReleaseMissing, match=r"neither tag v9\.9\.9 nor its commit"):
        release.release_commit("v9.9.9")
