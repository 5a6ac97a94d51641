"""The theme's static files as the site ships them: scripts and stylesheets minified, everything else as is."""

from __future__ import annotations

from functools import partial
from importlib.metadata import version
from pathlib import Path

from .cache import RenderCache, digest

STYLESHEET = "unrolled.css"


def _minified(path: Path, source: str) -> str:
    """A script or stylesheet without its comments and spare whitespace (rjsmin, rcssmin), same behaviour."""
    if path.suffix == ".js":
        import rjsmin  # loaded only when the render cache lacks this file's minified form

        return str(rjsmin.jsmin(source))
    import rcssmin

    return str(rcssmin.cssmin(source))


def theme_assets(theme: Path, highlight_css: str, cache: RenderCache) -> dict[str, bytes]:
    """Every file of the theme's static/ folder under static/, the highlight CSS appended to the stylesheet.

    `.js` and `.css` files are minified (the sources in themes/ keep their comments for maintainers); the
    result is cached by the file's bytes, so a warm build reads it back without loading the minifiers.
    """
    files: dict[str, bytes] = {}
    static = theme / "static"
    for path in sorted(static.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(static).as_posix()
        data = path.read_bytes()
        if name == STYLESHEET:
            data += highlight_css.encode("utf-8")
        if path.suffix in (".js", ".css"):
            text = data.decode("utf-8")
            key = digest(["minified", name, text, version("rjsmin"), version("rcssmin")])
            data = cache.fetch(key, partial(_minified, path, text)).encode("utf-8")
        files[f"static/{name}"] = data
    return files
