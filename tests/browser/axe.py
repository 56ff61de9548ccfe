"""Run axe-core (vendored from its npm package, see vendor/axe-core/README) on a page."""

from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.2 level A and AA as axe tags them, plus axe's best practices.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page) -> list[dict]:
    """The violations axe finds on the page as it is now.

    The page's context needs bypass_csp=True: the app's CSP (script-src 'self') would
    refuse the injected script.
    """
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=AXE_JS)
    results = page.evaluate(
        "options => window.axe.run(document, options)",
        {
            "runOnly": {"type": "tag", "values": WCAG_22_AA},
            # Off by default in axe: tap targets of at least 24 × 24 CSS px (WCAG 2.2 SC 2.5.8).
            "rules": {"target-size": {"enabled": True}},
            "resultTypes": ["violations"],
        },
    )
    return results["violations"]


def describe(violations: list[dict]) -> str:
    """The violations as a person reads them: rule, impact, what to fix, where."""
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(node['target'])}")
            lines.append(f"       {node['html'][:200]}")
            for summary in node["failureSummary"].splitlines():
                lines.append(f"       {summary}")
    return "\n".join(lines)
