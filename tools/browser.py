"""Headless Chromium on the built book: what tools/pdf.py and the browser tests share.

- `serve(folder)`: a quiet local HTTP server for a built site (the recognizer's fetch() needs
  http://, not file://);
- `router(base, aborted, mathjax)`: a Playwright route handler that keeps a page to the built
  book: requests to the local server pass, MathJax's CDN files come from a local copy of the
  mathjax@3 package, and every other request leaving localhost is aborted and its URL recorded;
- `local_mathjax()`: that copy, $NNBOOK_MATHJAX or the folder `make test` installs it in;
- `chromium_executable()`, `CHROMIUM_ARGS` and `launch(playwright)`: the system's Chromium,
  started headless (Playwright cannot download a browser everywhere).

Each failure raises BrowserError with one line that says what to install or set.
"""

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
# Where `make test` installs MathJax (npm install mathjax@3): used when $NNBOOK_MATHJAX is unset.
DEFAULT_MATHJAX = ROOT / ".cache" / "mathjax" / "node_modules" / "mathjax"
MATHJAX_CDN = "/mathjax@3/es5/"  # in the URL of every file the pages load from MathJax's CDN
MATHJAX_ENTRY = Path("es5") / "tex-mml-chtml.js"  # the file the pages load first
CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_CHROMIUM = (
    "install Chromium (for example `sudo apt-get install chromium`) or set CHROMIUM to the path "
    "of a Chromium or Chrome binary"
)
INSTALL_MATHJAX = (
    "run `make test` (it installs MathJax in .cache/mathjax) or set NNBOOK_MATHJAX to the "
    "mathjax folder that `npm install mathjax@3` writes (node_modules/mathjax, holding es5/)"
)


class BrowserError(Exception):
    """A missing or broken browser or MathJax, with what to do about it."""


def serve(folder):
    """Serve folder on a free local port, without logging requests; return (httpd, base URL).
    Stop it with httpd.shutdown() and httpd.server_close()."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def router(base, aborted, mathjax=None, cdn=False):
    """A route handler for page.route("**/*", ...): requests to the server at base pass; MathJax's
    CDN files are answered from the folder mathjax (a Path, or None); every other request is
    aborted and its URL added to the set aborted, as is a MathJax file the folder lacks. With
    cdn=True and no folder, MathJax's requests go to the CDN instead (online use)."""
    host = urlparse(base).netloc

    def route(route):
        url = route.request.url
        if urlparse(url).netloc == host:
            return route.continue_()
        if MATHJAX_CDN in url:
            if mathjax:
                path = mathjax / "es5" / url.split(MATHJAX_CDN, 1)[1].split("?")[0]
                if path.is_file():
                    return route.fulfill(path=str(path))
            elif cdn:
                return route.continue_()
        aborted.add(url)
        return route.abort()

    return route


def local_mathjax():
    """The local copy of MathJax (the mathjax@3 package folder, holding es5/) as a Path:
    $NNBOOK_MATHJAX, checked, else DEFAULT_MATHJAX if it is installed, else None."""
    if os.environ.get("NNBOOK_MATHJAX"):
        mathjax = Path(os.environ["NNBOOK_MATHJAX"])
        if not (mathjax / MATHJAX_ENTRY).is_file():
            raise BrowserError(
                f"NNBOOK_MATHJAX is {mathjax}, which has no {MATHJAX_ENTRY.as_posix()}: "
                + INSTALL_MATHJAX
                + "."
            )
        return mathjax
    return DEFAULT_MATHJAX if (DEFAULT_MATHJAX / MATHJAX_ENTRY).is_file() else None


def chromium_executable():
    """The Chromium to start: $CHROMIUM (checked), else the first of CHROMIUM_NAMES on the PATH,
    else /usr/bin/chromium if it exists, else None."""
    if os.environ.get("CHROMIUM"):
        if not Path(os.environ["CHROMIUM"]).is_file():
            raise BrowserError(
                f"CHROMIUM is {os.environ['CHROMIUM']}, which is not a file: {INSTALL_CHROMIUM}."
            )
        return os.environ["CHROMIUM"]
    for name in CHROMIUM_NAMES:
        if shutil.which(name):
            return shutil.which(name)
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def launch(playwright):
    """Headless Chromium (chromium_executable(), with CHROMIUM_ARGS), started by the running
    Playwright instance playwright (from sync_playwright()). Without a system Chromium, the one
    `playwright install chromium` downloads, if any."""
    from playwright.sync_api import Error as PlaywrightError

    executable = chromium_executable()
    options = {"args": CHROMIUM_ARGS}
    if executable:
        options["executable_path"] = executable
    try:
        return playwright.chromium.launch(**options)
    except PlaywrightError as error:
        if not executable:
            raise BrowserError(f"No Chromium found: {INSTALL_CHROMIUM}.") from None
        first_line = (str(error).strip().splitlines() or ["no message"])[0]
        raise BrowserError(
            f"Could not start Chromium {executable} ({first_line}): {INSTALL_CHROMIUM}."
        ) from None


def main(argv=None):
    """`python tools/browser.py [--install]`: name the Chromium the tests and the PDF use; with
    --install, install Debian's package first if there is none and this runs as root (as in
    CI), else say in one line what to do. MathJax is the Makefile's (npm)."""
    import subprocess
    import sys

    argv = sys.argv[1:] if argv is None else argv
    try:
        executable = chromium_executable()
        if executable is None and "--install" in argv and _can_apt():
            print("Chromium: installing Debian's package (apt-get install chromium)", flush=True)
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq",
                            "chromium"]):  # fmt: skip
                subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
            executable = chromium_executable()
        if executable is None:
            raise BrowserError(f"No Chromium found: {INSTALL_CHROMIUM}.")
    except BrowserError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Chromium: {executable}")
    return 0


def _can_apt():
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


if __name__ == "__main__":
    raise SystemExit(main())
