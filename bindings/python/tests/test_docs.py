"""The documentation's shape and links: the README is a front page that gives the two commands CI
and newcomers run, every relative link in the Markdown files resolves (file and anchor), and
docs/emulator.md documents every admin endpoint the emulator serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import repo_root

ROOT = repo_root()
DOCS = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "CHANGELOG.md",
    ROOT / "bindings/python/README.md",
    ROOT / "bindings/java/README.md",
    ROOT / "bindings/java/spring-boot-starter/README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def outside_code(text: str) -> str:
    """The text without fenced code blocks and inline code spans."""
    text = re.sub(r"(?ms)^```.*?^```", "", text)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(md: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file (lowercase, punctuation dropped, spaces to
    hyphens, -1, -2... for repeats)."""
    seen: dict[str, int] = {}
    out = set()
    for line in re.sub(r"(?ms)^```.*?^```", "", md.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"#{1,6} (.*)", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_readme_is_a_front_page_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    first_block = re.search(r"(?ms)^```sh\n(.*?)^```", text)
    assert first_block, "README.md has no sh block"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert "make demo" in commands and "make test" in commands


def test_java_readme_has_a_title() -> None:
    assert (ROOT / "bindings/java/README.md").read_text(encoding="utf-8").startswith("# ")


def test_changelog_has_an_unreleased_section() -> None:
    assert "\n## [Unreleased]\n" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("md", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(md: Path) -> None:
    assert md.is_file(), md
    for target in LINK.findall(outside_code(md.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL
        path, _, anchor = target.partition("#")
        dest = (md.parent / path).resolve() if path else md
        assert dest.exists(), f"{md.relative_to(ROOT)}: {target} does not exist"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{md.relative_to(ROOT)}: no heading #{anchor} in {dest.name}"


def test_emulator_doc_lists_every_admin_endpoint() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "src/emulator").glob("*.rs")))
    routes = re.findall(r'\("(GET|POST)", "([a-z_/]+)"\)', source)
    assert len(routes) >= 12, routes
    doc = (ROOT / "docs/emulator.md").read_text(encoding="utf-8")
    for method, path in routes:
        assert f"`{method} /__admin/{path}`" in doc, f"docs/emulator.md lacks {method} /__admin/{path}"
