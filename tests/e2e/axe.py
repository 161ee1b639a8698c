"""Accessibility checks with axe-core (vendored under tests/e2e/vendor/axe-core/)."""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
# What counts: axe's two highest impacts. Moderate and minor findings are left to review.
BLOCKING_IMPACTS = {"serious", "critical"}


def accessibility_violations(page) -> list[str]:
    """Run axe on the page as shown; return one line per serious or critical violation.

    The script is evaluated through the browser's debugging protocol, not added as a
    <script>, so the page's Content-Security-Policy stays as it is.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        })"""
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def assert_accessible(page) -> None:
    violations = accessibility_violations(page)
    assert not violations, f"{page.url}:\n" + "\n".join(violations)
