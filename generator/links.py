"""Relative links as the author writes them (against the Markdown file) and as the site needs them."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping


def link_target(path: str, source_dir: str, page_urls: Mapping[str, str]) -> str:
    """The site file a relative link names, from the root; `page_urls` maps a page's slug to its file.

    The link is read against the folder of the Markdown file (`source_dir`, relative to content/): a `.md`
    link, a page's slug or a folder with an index page name that page's file; anything else names the file
    of the same path, since every other file in content/ is copied to the same place in the site.
    """
    target = posixpath.normpath(posixpath.join(source_dir, path))
    if target == ".":
        return page_urls.get("index", "index.html")
    if target.endswith(".md") and target[:-3] in page_urls:
        return page_urls[target[:-3]]
    for slug in (target, f"{target}/index"):
        if slug in page_urls:
            return page_urls[slug]
    return target


def relative_href(target: str, output_path: str) -> str:
    """The link from the page written at `output_path` to the site file `target` (both from the root)."""
    return posixpath.relpath(target, posixpath.dirname(output_path) or ".")


def outside_site(target: str) -> bool:
    """Whether a link's target, read from the root, climbs out of it."""
    return target == ".." or target.startswith("../")
