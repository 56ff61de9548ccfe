"""The board on a slow phone network: when the first card shows, first and repeat visit.

    .venv/bin/python bench/slow_phone.py http://127.0.0.1:8120 [--runs 3] [--cpu 4]

Against a running server with the demo loaded (`manage.py load_demo`), best run with
DEBUG=0 behind gunicorn (whitenoise then sends hashed, compressed static files as in
production). Debian's Chromium is throttled through the DevTools protocol to a slow
mobile profile: 400 kbit/s down and up, 400 ms round trip. The service worker's own
requests are throttled too (it is a target of its own), so that a repeat visit pays
for its network-first page like a phone would.

Figures: time from navigation start to the first card on the board being laid out
(first visit: empty browser; repeat visit: the same browser a moment later, with the
service worker and the HTTP cache), first contentful paint, and the bytes the first
visit moved (the page's own requests; then what the service worker downloads after the
page has loaded, to store the boards for offline use).
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import CHROMIUM_ARGS as ARGS  # noqa: E402 (the browser tests' flags)

CHROMIUM = "/usr/bin/chromium"
KBIT = 1000 / 8  # bytes per second
SLOW_MOBILE = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * KBIT,
    "uploadThroughput": 400 * KBIT,
}
PHONE = {"width": 360, "height": 740}
VERBOSE = False
# Records when the first card is laid out, checked every frame from the first one on.
FIRST_CARD = """
(() => {
  function check() {
    // The phone's list or the desktop grid, whichever this screen shows.
    const card = Array.from(document.querySelectorAll(".card-title")).find(
      (title) => title.getBoundingClientRect().height > 0
        && getComputedStyle(title).visibility !== "hidden");
    if (card) {
      window.__firstCard = performance.now();
      return;
    }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""


def throttle(session, cpu: float) -> None:
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", SLOW_MOBILE)
    if cpu > 1:
        session.send("Emulation.setCPUThrottlingRate", {"rate": cpu})


def throttle_service_workers(browser) -> None:
    """The service worker fetches on its own; throttle it like the page (CDP, per target)."""
    session = browser.new_browser_cdp_session()
    for target in session.send("Target.getTargets")["targetInfos"]:
        if target["type"] != "service_worker":
            continue
        attached = session.send("Target.attachToTarget", {"targetId": target["targetId"]})
        for number, (method, params) in enumerate(
            [("Network.enable", {}), ("Network.emulateNetworkConditions", SLOW_MOBILE)], 1
        ):
            message = json.dumps({"id": number, "method": method, "params": params})
            session.send(
                "Target.sendMessageToTarget",
                {"sessionId": attached["sessionId"], "message": message},
            )


def visit(page, session, url: str) -> dict:
    sent: dict[str, int] = {}
    session.on(
        "Network.loadingFinished",
        lambda event: sent.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    page.goto(url, wait_until="load")
    page.wait_for_function("window.__firstCard !== undefined")
    figures = page.evaluate(
        """() => ({
          firstCard: window.__firstCard,
          fcp: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime,
          load: performance.getEntriesByType("navigation")[0].loadEventEnd,
          responseStart: performance.getEntriesByType("navigation")[0].responseStart,
        })"""
    )
    figures["bytes"] = sum(sent.values())
    return figures


def stored_pages_bytes(page) -> int:
    """What the service worker stored after the first visit, as the network sent it (gzip)."""
    return page.evaluate(
        """async () => {
          let total = 0;
          for (const name of await caches.keys()) {
            if (!name.startsWith("openspaces-pages-")) continue;
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
              const again = await fetch(request.url, {cache: "no-store"});
              await again.arrayBuffer();
              await new Promise(resolve => setTimeout(resolve, 50));  // the timing entry
              const entry = performance.getEntriesByName(again.url, "resource").pop();
              total += entry ? entry.encodedBodySize + 300 : 0;  // ~300 bytes of headers
              console.log(request.url, entry && entry.encodedBodySize);
            }
          }
          return total;
        }"""
    )


def run(base_url: str, cpu: float) -> dict:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # bypass_csp: Playwright waits by evaluating strings, which the strict CSP refuses.
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True
        )
        context.add_init_script(FIRST_CARD)
        page = context.new_page()
        page.on("console", lambda message: print("   ", message.text) if VERBOSE else None)
        session = context.new_cdp_session(page)
        throttle(session, cpu)
        first = visit(page, session, base_url + "/")
        # The worker registers after the load event and stores the boards; wait for it.
        page.wait_for_function(
            "navigator.serviceWorker.controller !== null"
            " || navigator.serviceWorker.ready.then(() => true)"
        )
        page.wait_for_function(
            """async () => (await caches.keys()).some(name => name.startsWith("openspaces-pages-"))
              && (await Promise.all(["/", "/now/"].map(p => caches.match(p)))).every(Boolean)"""
        )
        page.wait_for_timeout(1000)
        throttle_service_workers(browser)
        page.goto("about:blank")
        repeat = visit(page, session, base_url + "/")
        controlled = page.evaluate("navigator.serviceWorker.controller !== null")
        session.send(
            "Network.emulateNetworkConditions",
            {**SLOW_MOBILE, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        worker_bytes = stored_pages_bytes(page)
        browser.close()
    return {"first": first, "repeat": repeat, "controlled": controlled, "sw": worker_bytes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8120")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpu", type=float, default=1, help="CPU slowdown (Lighthouse: 4)")
    options = parser.parse_args()
    results = [run(options.url.rstrip("/"), options.cpu) for _ in range(options.runs)]

    def median(visit: str, key: str) -> float:
        return statistics.median(result[visit][key] for result in results)

    print(
        f"slow mobile (400 kbit/s, 400 ms RTT), CPU ×{options.cpu:g}, "
        f"median of {options.runs}, {options.url}"
    )
    for visit in ("first", "repeat"):
        print(
            f"  {visit:6} visit: first card {median(visit, 'firstCard'):6.0f} ms, "
            f"FCP {median(visit, 'fcp'):6.0f} ms, load {median(visit, 'load'):6.0f} ms, "
            f"HTML from {median(visit, 'responseStart'):4.0f} ms, "
            f"{median(visit, 'bytes') / 1000:5.1f} kB over the network"
        )
    print(
        f"  the service worker then stores the boards: "
        f"{statistics.median(r['sw'] for r in results) / 1000:.1f} kB; repeat visit "
        f"controlled by it: {all(r['controlled'] for r in results)}"
    )
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/slow_phone.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
