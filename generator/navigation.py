"""The navigation: pages grouped by folder as MkDocs groups them, each level sorted by order, then naturally."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .pages import SourcePage, natural_key, title_from_name

SortKey = tuple[bool, int, tuple[tuple[int, int | str], ...]]


@dataclass
class NavGroup:
    """A folder under content/ with its pages and subfolders; the top group is content/ itself."""

    name: str
    pages: list[SourcePage] = field(default_factory=list)
    groups: list[NavGroup] = field(default_factory=list)
    ordered: list[SourcePage | NavGroup] = field(default_factory=list)  # set once by page_tree, in nav order

    @property
    def title(self) -> str:
        """The group's heading: its folder's name, as a title."""
        return title_from_name(self.name)

    def entries(self) -> list[SourcePage | NavGroup]:
        """Pages and subgroups in navigation order: the index page first, then by order, then by name."""
        return self.ordered

    def every_page(self) -> list[SourcePage]:
        """Every page in the group and below it, in navigation order."""
        return [p for entry in self.ordered
                for p in (entry.every_page() if isinstance(entry, NavGroup) else [entry])]

    def sort(self) -> None:
        """Put the subgroups in order first, then this group's pages and subgroups (sorting once per build)."""
        for group in self.groups:
            group.sort()
        self.ordered = sorted([*self.pages, *self.groups], key=_sort_key)


def _sort_key(entry: SourcePage | NavGroup) -> SortKey:
    if isinstance(entry, NavGroup):
        return (True, min(page.order for page in entry.every_page()), natural_key(entry.name))
    name = posixpath.basename(entry.slug)
    return (name != "index", entry.order, natural_key(name))


def page_tree(pages: Sequence[SourcePage]) -> NavGroup:
    """Every page placed in the group of its folder."""
    top = NavGroup("")
    for page in pages:
        group = top
        for part in page.folder.split("/") if page.folder else []:
            found = next((g for g in group.groups if g.name == part), None)
            if found is None:
                found = NavGroup(part)
                group.groups.append(found)
            group = found
        group.pages.append(page)
    top.sort()
    return top


def navigation(group: NavGroup, root: str) -> list[dict[str, object]]:
    """The navigation as the theme's nav.html walks it: links (title, url) and groups (title, children)."""
    return [{"title": entry.title, "url": "", "children": navigation(entry, root)}
            if isinstance(entry, NavGroup) else
            {"title": entry.title, "url": root + entry.output_path, "children": []}
            for entry in group.entries()]


def with_current(nav_html: str, url: str) -> Markup:
    """The rendered navigation with the page's own link marked `aria-current="page"` (its href is unique)."""
    link = f'<a href="{escape(url)}"'
    return Markup(nav_html.replace(link, link + ' aria-current="page"', 1))
