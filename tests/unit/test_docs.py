"""The documents a user reads: every relative link reaches a file (and its #anchor) of the
repository, every file a document names in `code` exists, every Markdown table is one
GitHub renders as a table, and no document points at what a user does not have."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"])
DOCS += sorted((ROOT / "docs").glob("*.md"))
IDS = [str(p.relative_to(ROOT)) for p in DOCS]

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# a path-like code span: a folder of the repository, or a file name with a known extension
REPO_DIRS = ("services/", "tests/", "deploy/", "schemas/", "docs/", ".ci/")
FILE_EXT = re.compile(r"^[\w./*-]+\.(md|py|toml|lock|yml|yaml|json|jsonl|xml|sha256)$")
# written to by the tools, not in the repository
GENERATED = (".cache/", ".venv", ".pytest_cache")


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    out, fenced = [], False
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((n, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = CODE_SPAN.sub(lambda m: m.group(2), heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in {"L", "N"})
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, line in prose_lines(path):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(m.group(1))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def tracked() -> list[str]:
    done = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:  # not a git checkout (an sdist): walk the tree
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()]
    return done.stdout.splitlines()


def test_slug_is_githubs() -> None:
    assert slug('How it keeps "exactly once"') == "how-it-keeps-exactly-once"
    assert slug("`/metrics/` (worker, also `/metrics`)") == "metrics-worker-also-metrics"
    assert slug("`corpactions lag`") == "corpactions-lag"
    assert slug("The topics, for whoever creates them") == "the-topics-for-whoever-creates-them"


@pytest.mark.parametrize("path", DOCS, ids=IDS)
def test_every_relative_link_reaches_a_file_and_its_anchor(path: Path) -> None:
    broken = []
    for n, line in prose_lines(path):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                broken.append(f"{path.name}:{n}: {target}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                broken.append(f"{path.name}:{n}: {target}: no such heading")
    assert broken == []


@pytest.mark.parametrize("path", DOCS, ids=IDS)
def test_every_file_named_in_code_exists(path: Path) -> None:
    files = tracked()
    names = {Path(f).name for f in files}
    package = "services/corpactions/"
    missing = []
    for n, line in prose_lines(path):
        for _, span in CODE_SPAN.findall(line):
            token = span.strip()
            if " " in token or token.startswith(GENERATED) or "<" in token:
                continue
            if token.startswith(REPO_DIRS):
                pattern = token.rstrip("/")
                found = any(
                    f == pattern or f.startswith(pattern + "/") or Path(f).match(pattern)
                    for f in files
                )
            elif FILE_EXT.match(token):
                found = ("/" in token and any(f in {token, package + token} for f in files)) or (
                    "/" not in token and token in names
                )
            else:
                continue
            if not found:
                missing.append(f"{path.name}:{n}: {token}")
    assert missing == []


def table_rows(path: Path) -> list[list[tuple[int, str]]]:
    """Runs of consecutive lines that start with a pipe (outside code fences)."""
    runs: list[list[tuple[int, str]]] = []
    last = -1
    for n, line in prose_lines(path):
        if line.lstrip().startswith("|"):
            if n == last + 1 and runs:
                runs[-1].append((n, line))
            else:
                runs.append([(n, line)])
            last = n
    return runs


def cells(row: str) -> int:
    """Cells of a table row as GFM splits it: on pipes not escaped with a backslash (in
    code spans too), the outer pipes dropped."""
    parts = re.split(r"(?<!\\)\|", row.strip())
    return len(parts) - 2 if row.strip().endswith("|") else len(parts) - 1


@pytest.mark.parametrize("path", DOCS, ids=IDS)
def test_every_table_renders_as_a_table(path: Path) -> None:
    lines = path.read_text().splitlines()
    bad = []
    for run in table_rows(path):
        first, header = run[0]
        before = lines[first - 2] if first >= 2 else ""
        after_n = run[-1][0]
        after = lines[after_n] if after_n < len(lines) else ""
        # an HTML comment (the generated table's markers) is a block of its own
        if before.strip() and not before.startswith("<!--"):
            bad.append(f"{path.name}:{first}: a table must follow a blank line")
        if after.strip() and not after.startswith("<!--"):
            bad.append(f"{path.name}:{after_n + 1}: a table must be followed by a blank line")
        if len(run) < 2 or not re.fullmatch(r"\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*", run[1][1]):
            bad.append(f"{path.name}:{first}: a table needs a delimiter row under its header")
            continue
        width = cells(header)
        if cells(run[1][1]) != width:
            bad.append(f"{path.name}:{run[1][0]}: delimiter row has the wrong number of cells")
        for n, row in run[2:]:
            if cells(row) != width:
                bad.append(f"{path.name}:{n}: {cells(row)} cells, the header has {width}")
    assert bad == []


def test_the_table_check_catches_a_row_after_a_paragraph(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("| a | b |\n|---|---|\n| 1 | 2 |\n\nsome text\n| 3 | 4 |\n")
    with pytest.raises(AssertionError):
        test_every_table_renders_as_a_table(doc)


# Words that point at what a user of the repository does not have: the developers' own
# notes, the hosts it was built on, and the story of how it changed (CHANGELOG.md's job).
FORBIDDEN = [
    r"DOMAIN\.md",
    r"STYLE\.md",
    r"ARCHITECTURE\.md",
    r"\.\./shared",
    r"this project's",
    r"shared \d-core",
    r"development (machine|host)",
    r"on this (host|machine)",
    r"\bused to\b",
    r"before issue",
    r"\bissue #?\d+",
]


@pytest.mark.parametrize("path", [p for p in DOCS if p.name != "CHANGELOG.md"], ids=str)
def test_no_document_points_at_what_a_user_lacks(path: Path) -> None:
    text = path.read_text()
    found = [
        f"{path.name}: {m.group(0)!r}"
        for pattern in FORBIDDEN
        for m in re.finditer(pattern, text, re.IGNORECASE)
    ]
    assert found == []


def test_readme_is_a_guide() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 300
    for heading in ["Quick start", "Commands", "Essential settings", "Docker and Kubernetes"]:
        assert f"## {heading}" in readme
