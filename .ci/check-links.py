#!/usr/bin/env python3
"""Check the links of the built docs site and of the repository's top-level Markdown files.

    python3 .ci/check-links.py target/book

In the site (the HTML mdBook wrote): every relative link and image must name a file of the
site, and every `#fragment` an element id of that page. Links that leave the site
(https://…, mailto:) are not fetched: there is no network in CI, and a link checker that
fails when GitHub is slow would be switched off. In README.md, CHANGELOG.md and
examples/ci/README.md: every relative link must name a file or directory of the repository,
and a `#fragment` into a Markdown file a heading of it. Prints each broken link with the
page it is on and exits 1 when there is one.
"""
import html.parser
import os
import re
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            value = attrs.get(key)
            if value and tag in ("a", "img", "link", "script"):
                self.links.append(value)


def external(link):
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link)) or link.startswith("//")


def check_site(root):
    pages = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(".html"):
                path = os.path.normpath(os.path.join(dirpath, name))
                page = Page()
                with open(path, encoding="utf-8") as f:
                    page.feed(f.read())
                pages[path] = page
    broken = []
    checked = 0
    for path, page in sorted(pages.items()):
        # print.html repeats every page with its links rewritten to its own anchors; the
        # pages themselves are what is checked.
        if os.path.basename(path) in ("print.html", "404.html", "toc.html"):
            continue
        for link in page.links:
            if external(link) or link.startswith("javascript:"):
                continue
            checked += 1
            target, _, fragment = link.partition("#")
            target = urllib.parse.unquote(target.split("?")[0])
            dest = os.path.normpath(os.path.join(os.path.dirname(path), target)) if target else path
            if os.path.isdir(dest):
                dest = os.path.join(dest, "index.html")
            if not os.path.exists(dest):
                broken.append(f"{path}: {link}: no such file in the site")
                continue
            if fragment and dest.endswith(".html"):
                ids = pages[dest].ids if dest in pages else set()
                if urllib.parse.unquote(fragment) not in ids:
                    broken.append(f"{path}: {link}: no element with id {fragment!r}")
    return checked, broken


def slug(heading):
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def check_markdown(repo, name):
    path = os.path.join(repo, name)
    if not os.path.exists(path):
        return 0, []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    broken = []
    checked = 0
    for link in re.findall(r"\]\(([^)\s]+)\)", text):
        if external(link):
            continue
        checked += 1
        target, _, fragment = link.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), target)) if target else path
        if not os.path.exists(dest):
            broken.append(f"{name}: {link}: no such file")
            continue
        if fragment and dest.endswith(".md"):
            with open(dest, encoding="utf-8") as f:
                headings = {slug(h) for h in re.findall(r"^#+ (.*)$", f.read(), re.M)}
            if fragment not in headings:
                broken.append(f"{name}: {link}: no heading #{fragment} in {os.path.relpath(dest, repo)}")
    return checked, broken


def main():
    site = sys.argv[1] if len(sys.argv) > 1 else "target/book"
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.exists(os.path.join(site, "index.html")):
        print(f"check-links: no site at {site} (run mdbook build first)", file=sys.stderr)
        return 1
    total, broken = check_site(site)
    for name in ("README.md", "CHANGELOG.md", "examples/ci/README.md"):
        n, b = check_markdown(repo, name)
        total += n
        broken += b
    for line in broken:
        print(f"BROKEN {line}", file=sys.stderr)
    print(f"check-links: {total} links checked, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
