"""Known vulnerabilities in the installed dependencies, with pip-audit; run by .ci/run.

Run with the project's virtualenv python: pip-audit (installed in its own virtualenv, given as
the first argument) audits *this* interpreter's packages (PIPAPI_PYTHON_LOCATION).

Policy (see the README, "Reliability and security checks"):
- a known vulnerability with a fixed version in a *runtime* dependency of jiazhan fails CI:
  upgrading is the fix, and shipping it knowingly is worse than a red build;
- one in a test or tooling package, or without any fixed version yet, is printed as a warning;
- when pip-audit cannot reach its advisory source (offline, a mirror without PyPI's JSON API, a
  timeout), CI prints one clear note and goes on: the check is skipped, never flaky.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata

TIMEOUT = 240  # seconds for the whole audit; pip-audit's own network timeout is shorter


def note(text: str) -> None:
    print(f"pip-audit: {text}")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(root: str = "jiazhan") -> set[str]:
    """jiazhan's runtime dependencies, transitively (no extras such as [test])."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if canonical(name) in seen:
            continue
        seen.add(canonical(name))
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requirements:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen - {canonical(root)}


def main() -> int:
    pip_audit = sys.argv[1]
    env = {**os.environ, "PIPAPI_PYTHON_LOCATION": sys.executable}
    command = [pip_audit, "--skip-editable", "--progress-spinner", "off", "--format", "json",
               "--timeout", "30"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        note(f"could not run ({type(exc).__name__}); the known-vulnerability check is skipped.")
        return 0
    try:
        report = json.loads(done.stdout)
        dependencies = report["dependencies"]
    except (ValueError, KeyError, TypeError):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        note(f"its advisory source is unreachable ({last}); the known-vulnerability check is "
             "skipped.")
        return 0
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = len(dependencies) - len(audited)
    if not audited:
        note(f"the advisory source answered for none of the {skipped} packages (an index without "
             "PyPI's JSON API, or offline); the known-vulnerability check is skipped.")
        return 0
    runtime = runtime_closure()
    fatal = warned = 0
    for dep in audited:
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            is_fatal = canonical(dep["name"]) in runtime and bool(vuln.get("fix_versions"))
            fatal += is_fatal
            warned += not is_fatal
            level = "VULNERABLE" if is_fatal else "warning"
            note(f"{level}: {dep['name']} {dep['version']} {vuln['id']} (fixed in: {fixes})")
    summary = f"{len(audited)} packages audited, {skipped} skipped"
    if fatal:
        note(f"{summary}; {fatal} known vulnerabilities in runtime dependencies have a fix: "
             "upgrade them (pyproject.toml).")
        return 1
    note(f"{summary}; no fixable known vulnerability in runtime dependencies"
         + (f" ({warned} warnings above)." if warned else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
