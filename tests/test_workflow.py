"""The GitHub Pages workflow: actionlint finds nothing, and its pins, build command, artifact and permissions are right.
(tests/test_build.py runs its build command in a fresh copy of the checkout and checks the page it makes.)"""
import glob
import os
import re
import shutil
import subprocess
import sys

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKFLOWS = os.path.join(REPO_ROOT, ".github", "workflows")
PAGES = os.path.join(WORKFLOWS, "pages.yml")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(?:[0-9a-f]{40}|v\d+\.\d+\.\d+)$")  # a full commit SHA or an exact version tag
SHA_COMMENT = re.compile(r"@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$")  # a SHA pin says which version it is
PERMISSIONS = {"contents": "read", "pages": "write", "id-token": "write"}


def actionlint(paths):
    """actionlint's findings on the given workflow files, one per line (none: an empty list)."""
    binary = os.path.join(os.path.dirname(sys.executable), "actionlint")
    binary = binary if os.path.exists(binary) else shutil.which("actionlint")
    assert binary, "actionlint is missing: pip install -r requirements-dev.txt"
    run = subprocess.run([binary, "-oneline", "-no-color", *paths], capture_output=True, text=True, cwd=REPO_ROOT)
    findings = (run.stdout + run.stderr).splitlines()
    assert run.returncode in (0, 1), f"actionlint failed to run: {findings}"
    return findings or ([f"actionlint exited {run.returncode}"] if run.returncode else [])


def readme_commands(readme):
    """The commands of the README's "Deploy on GitHub Pages" section: the lines of its first sh block."""
    section = readme.split("## Deploy on GitHub Pages", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def problems(text, readme):
    """What is wrong with the Pages workflow text, checked independently of actionlint (none: an empty list)."""
    found = []
    flow = yaml.safe_load(text)
    jobs = flow.get("jobs", {})
    triggers = flow.get("on", flow.get(True)) or {}  # YAML 1.1 reads a bare `on` key as True
    if triggers.get("push", {}).get("branches") != ["main"] or "workflow_dispatch" not in triggers:
        found.append(f"triggers are not push to main + workflow_dispatch: {triggers}")
    if flow.get("permissions") != PERMISSIONS:
        found.append(f"workflow permissions are not {PERMISSIONS}: {flow.get('permissions')}")
    for name, job in jobs.items():
        if "permissions" in job:
            found.append(f"job {name} sets its own permissions")
    if (flow.get("concurrency") or {}).get("group") != "pages":
        found.append("concurrency group is not 'pages'")
    steps = [step for job in jobs.values() for step in job.get("steps", [])]
    for step in steps:
        if "uses" in step and not PINNED.match(step["uses"]):
            found.append(f"not pinned to a full SHA or an exact vX.Y.Z tag: {step['uses']}")
    for line in text.splitlines():
        if re.search(r"uses:.*@[0-9a-f]{40}", line) and not SHA_COMMENT.search(line):
            found.append(f"SHA pin without its '# vX.Y.Z' comment: {line.strip()}")
    build = jobs.get("build", {}).get("steps", [])
    runs = [step["run"].strip() for step in build if "run" in step]
    if runs != readme_commands(readme):
        found.append(f"build runs {runs}, the README says {readme_commands(readme)}")
    if not any("tools/build_site.py" in run for run in runs) or any(
            flag in run for run in runs for flag in ("--no-examples", "--data", "DATA=")):
        found.append("the build does not ship the committed examples (build_site.py without --no-examples or --data)")
    uploads = [step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact@")]
    if [(step.get("with") or {}).get("path") for step in uploads] != ["dist"]:
        found.append("the build does not upload dist with actions/upload-pages-artifact")
    deploy = jobs.get("deploy", {})
    deploy_uses = [step.get("uses", "") for step in deploy.get("steps", [])]
    if deploy.get("needs") != "build" or not any(use.startswith("actions/deploy-pages@") for use in deploy_uses):
        found.append("no deploy job that needs build and runs actions/deploy-pages")
    if deploy.get("environment") != {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}:
        found.append(f"deploy environment is not github-pages with its url: {deploy.get('environment')}")
    return found


def read(path):
    """The text of a file."""
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_actionlint_finds_nothing():
    """actionlint reports no finding on any workflow file."""
    paths = sorted(glob.glob(os.path.join(WORKFLOWS, "*.yml")) + glob.glob(os.path.join(WORKFLOWS, "*.yaml")))
    assert PAGES in paths
    assert actionlint(paths) == []


def test_pages_workflow_properties():
    """Pinned actions, the README's build commands, a build with the committed examples, dist/ uploaded, minimal permissions."""
    assert problems(read(PAGES), read(os.path.join(REPO_ROOT, "README.md"))) == []


def test_checks_catch_a_broken_copy(tmp_path):
    """A broken copy of the workflow fails both actionlint and the property checks (the checks can fail)."""
    text, readme = read(PAGES), read(os.path.join(REPO_ROOT, "README.md"))
    broken = (text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-lates")
              .replace("steps.deployment.outputs", "steps.deploymnt.outputs"))
    (tmp_path / "pages.yml").write_text(broken)
    assert any("ubuntu-lates" in line for line in actionlint([str(tmp_path / "pages.yml")]))
    sha = re.search(r"actions/checkout@([0-9a-f]{40}) # v[\d.]+", text)
    cases = {
        "tag": text.replace(sha.group(0), "actions/checkout@v6"),
        "path": text.replace("path: dist", "path: site"),
        "permissions": text.replace("contents: read", "contents: write"),
        "no examples": text.replace("tools/build_site.py", "tools/build_site.py --no-examples"),
        "data": text.replace("tools/build_site.py", "tools/build_site.py --data ../shared/data"),
        "commands": text.replace("run: make venv", "run: make dist"),
    }
    for name, case in cases.items():
        assert case != text and problems(case, readme), name
