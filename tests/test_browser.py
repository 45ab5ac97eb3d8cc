"""The built book in a real browser, as a reader meets it: online, then with the network cut off.

One pass of Chromium (the distribution's package, driven by Playwright; nothing is downloaded)
over every page of the table of contents, twice: once as served, once with every request that
leaves the machine refused. Each page must load with no JavaScript error and no failed request,
show every image, typeset every equation, leave no raw MyST role, and link its Colab badge and
its exercise to files that exist here. The axe-core WCAG audit (its script ships in the
``axe-playwright-python`` package) runs on every page in the same browser. Screenshots of three
pages at a phone's and a desktop's width land in ``_build/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from dl_course.colab import REPOSITORY
from tests.conftest import ROOT, service_unavailable

# The pass shares the one build of the group "book" (the fixture `built`, tests/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "_build" / "screenshots"
SCREENSHOT_PAGES = ("book/notation", "chapters/06_backprop", "chapters/11_cnn")
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}
# axe-core impacts that fail the audit (the other two are "moderate" and "minor").
BLOCKING_IMPACTS = ("serious", "critical")
# (a page's own words, the page search must find with them)
SEARCH = ("backpropagation", "chapters/06_backprop")
# The pages that must show a diagram drawn by code: an <img> whose alt text starts "Diagram".
DIAGRAMS = {
    "chapters/06_backprop": "the computational graph of a network, with shapes",
    "chapters/09_regularization": "dropout's thinned networks",
    "chapters/11_cnn": "a convolution window sliding over the input's channels",
    "chapters/13_rnn": "a recurrent network unrolled over time",
    "chapters/15_attention": "queries, keys and values flowing through attention",
}


def toc_pages() -> list[str]:
    """Every page of ``_toc.yml``, as its path without suffix (``chapters/11_cnn``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [entry["file"] for entry in part.get("chapters", [])]
    return pages


PAGES = toc_pages()

# Runs in the page once it has loaded: waits for MathJax and every image, then reports.
INSPECT = """async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map(img => img.complete ? null
    : new Promise(done => { img.addEventListener("load", done);
                            img.addEventListener("error", done); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise)
    await MathJax.startup.promise;
  await document.fonts.ready;
  const hidden = "pre, code, script, style, textarea, mjx-container, .MathJax";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const text = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(hidden) || !parent.checkVisibility()) continue;
    text.push(node.textContent);
  }
  return {
    text: text.join(" "),
    images: [...document.images].map(img => ({
      src: img.currentSrc || img.src, alt: img.getAttribute("alt"),
      width: img.naturalWidth})),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    math: document.querySelectorAll("mjx-container").length,
    mathjax: Boolean(window.MathJax && MathJax.version),
    fonts: [...document.fonts].filter(f => f.status === "error").map(f => f.family),
  };
}"""

RAW_MARKUP = {
    "$$": "display math left untypeset",
    "\\(": "inline math left untypeset",
    "\\[": "display math left untypeset",
    "{glue": "a {glue} role left unresolved",
    "{cite": "a {cite} role left unresolved",
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test reports failures itself
        pass


@pytest.fixture(scope="module")
def served(built):
    """The built HTML served over HTTP on the loopback interface, as a host would serve it."""
    html, _ = built
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def axe_script() -> str:
    try:
        import axe_playwright_python
    except ImportError as error:
        pytest.fail(f"the axe-core script ships in axe-playwright-python (dev extra): {error}")
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def visit(context, url: str, audit: str | None) -> dict:
    """Load one page and report what a reader gets: errors, failed requests, images, text."""
    page = context.new_page()
    errors, failed = [], []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})")
            if r.status >= 400 else None)
    response = page.goto(url, wait_until="load")
    report = page.evaluate(INSPECT)
    # What the reader's page did, before the audit, whose own requests are not the reader's.
    report.update(errors=list(errors), failed=list(failed), status=response.status if response else None)
    if audit is not None:
        page.add_script_tag(content=audit)
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))")
        report["violations"] = result
    page.close()
    return report


def search(context, base: str) -> list[str]:
    """The result links of the book's own search page for SEARCH's term."""
    page = context.new_page()
    page.goto(f"{base}/search.html?q={SEARCH[0]}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li a", timeout=30_000)
    links = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    page.close()
    return links


def screenshots(browser, base: str) -> list[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (width, height) in VIEWPORTS.items():
        context = browser.new_context(viewport={"width": width, "height": height},
                                      device_scale_factor=1)
        context.route("**/*", refuse_outside)
        for page_path in SCREENSHOT_PAGES:
            page = context.new_page()
            page.goto(f"{base}/{page_path}.html", wait_until="load")
            page.evaluate(INSPECT)
            full = page.evaluate("document.documentElement.scrollHeight")
            target = SCREENSHOTS / f"{page_path.replace('/', '-')}-{name}.png"
            page.screenshot(path=str(target), full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": min(full, 4 * height)})
            written.append(target)
            page.close()
        context.close()
    return written


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")


def refuse_outside(route):
    """The network switched off: only the loopback interface answers."""
    if is_local(route.request.url):
        route.continue_()
    else:
        route.abort("internetdisconnected")


@pytest.fixture(scope="module")
def browser_pass(served):
    """Every page online (with the axe audit) and offline, the search, and the screenshots."""
    html, base = served
    if not CHROMIUM.exists():
        service_unavailable("Chromium", f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.fail(f"Playwright (the dev extra) is not installed: {error}")
    audit = axe_script()
    results = {"online": {}, "offline": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            for mode in ("online", "offline"):
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                if mode == "offline":
                    context.route("**/*", refuse_outside)
                for page_path in PAGES:
                    results[mode][page_path] = visit(
                        context, f"{base}/{page_path}.html", audit if mode == "online" else None)
                results[mode]["search"] = search(context, base)
                context.close()
            results["screenshots"] = screenshots(browser, base)
        finally:
            browser.close()
    return html, results


def repository_path(url: str) -> str | None:
    """The repository file a GitHub or Colab address of this repository points at, or None."""
    for prefix in (f"https://colab.research.google.com/github/{REPOSITORY}/blob/",
                   f"https://github.com/{REPOSITORY}/blob/"):
        if url.startswith(prefix):
            return url[len(prefix):].split("/", 1)[1].split("#")[0].split("?")[0]
    return None


def has_math(page: str) -> bool:
    """Whether the page's source (Markdown, or a notebook's Markdown cells) writes $-math."""
    source = ROOT / f"{page}.md"
    if source.is_file():
        text = source.read_text()
    else:
        cells = json.loads((ROOT / f"{page}.ipynb").read_text())["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return bool(re.search(r"\$[^$\s][^$]*\$", text))


def problems_of(report: dict) -> list[str]:
    found = [f"HTTP {report['status']}"] if report["status"] != 200 else []
    found += [f"JavaScript error: {e}" for e in report["errors"]]
    found += [f"failed request: {f}" for f in report["failed"]]
    found += [f"image did not load: {i['src']}" for i in report["images"] if not i["width"]]
    found += [f"font did not load: {family}" for family in report["fonts"]]
    for raw, what in RAW_MARKUP.items():
        where = report["text"].find(raw)
        if where >= 0:
            found.append(f"{what}: ...{report['text'][max(0, where - 60):where + 60]!r}...")
    for url in report["links"]:
        path = repository_path(url)
        if path is not None and not (ROOT / path).is_file():
            found.append(f"link to a file the repository does not have: {url}")
    return found


@pytest.mark.parametrize("mode", ["online", "offline"])
@pytest.mark.parametrize("page", PAGES)
def test_page_reads_whole(browser_pass, page, mode):
    _, results = browser_pass
    report = results[mode][page]
    problems = problems_of(report)
    assert not problems, f"{page}.html ({mode}):\n" + "\n".join(problems)
    if has_math(page):
        assert report["math"], f"{page}.html ({mode}): its source has math, the page typeset none"


@pytest.mark.parametrize("page", [p for p in PAGES if p.startswith("chapters/")])
def test_chapter_links_its_notebook_and_exercise(browser_pass, page):
    _, results = browser_pass
    paths = {repository_path(url) for url in results["online"][page]["links"]} - {None}
    assert f"{page}.ipynb" in paths, f"{page}.html has no Colab badge or launch link to {page}.ipynb"
    exercises = [p for p in paths if p.startswith("exercises/release/")]
    exercise = ROOT / "exercises" / "release" / Path(page).name / f"{Path(page).name}.ipynb"
    if exercise.is_file():
        assert exercises, f"{page}.html does not link its exercise {exercise.relative_to(ROOT)}"


def test_math_is_typeset_with_the_shipped_renderer(browser_pass):
    """MathJax comes from the book's own _static folder, and the pages with math show it."""
    html, results = browser_pass
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for mode in ("online", "offline"):
        typeset = [p for p, r in results[mode].items() if p != "search" and r["math"]]
        assert "book/notation" in typeset and "chapters/06_backprop" in typeset, (mode, typeset)
        assert len(typeset) >= len(PAGES) // 2, f"{mode}: only {typeset} show typeset math"


@pytest.mark.parametrize("mode", ["online", "offline"])
def test_search_finds_a_chapter(browser_pass, mode):
    _, results = browser_pass
    links = results[mode]["search"]
    assert any(SEARCH[1] in link for link in links), (
        f"searching {SEARCH[0]!r} ({mode}) did not list {SEARCH[1]}: {links[:10]}")


@pytest.mark.parametrize("page", PAGES)
def test_accessibility_audit(browser_pass, page):
    """axe-core finds no serious or critical WCAG violation on the page."""
    _, results = browser_pass
    blocking = [v for v in results["online"][page]["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{page}.html:\n" + "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} at {v['targets']}" for v in blocking)


@pytest.mark.parametrize("page", sorted(DIAGRAMS))
def test_page_shows_its_diagram(browser_pass, page):
    _, results = browser_pass
    alts = [i["alt"] or "" for i in results["online"][page]["images"]]
    assert any(alt.startswith("Diagram") for alt in alts), (
        f"{page}.html should show a diagram of {DIAGRAMS[page]} drawn by code (an image whose alt "
        f"text starts with 'Diagram'); its images' alt texts are {alts}")


def test_screenshots_for_a_person(browser_pass):
    _, results = browser_pass
    written = results["screenshots"]
    assert len(written) == len(SCREENSHOT_PAGES) * len(VIEWPORTS)
    for path in written:
        assert path.stat().st_size > 10_000, f"{path} looks empty"


def test_offline_pass_refuses_the_network():
    """The offline pass's gate: only loopback, data: and blob: addresses get through."""
    assert is_local("http://127.0.0.1:8000/index.html")
    assert is_local("data:image/png;base64,AAAA")
    assert not is_local("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js")
    assert not is_local("https://colab.research.google.com/assets/colab-badge.svg")
