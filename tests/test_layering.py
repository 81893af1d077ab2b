"""docs/architecture.md §2: services/ never imports textual, tui, screens or words; words/ never imports the
interface; the command line (cli/) never imports Textual unless the command chosen is the interface; sandbox
stands alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_services_never_import_the_ui():
    # nor the words (words/ renders what the services say; services return codes and values)
    offenders = {f: n & {"textual", "tui", "screens", "rich", "words"} for f, n in _imports("services").items()}
    assert {f: n for f, n in offenders.items() if n} == {}


def test_words_never_import_the_interface():
    # words/ is shared by the CLI (no Textual) and the TUI: it may use services/, never the interface.
    offenders = {f: n & {"textual", "tui", "screens", "rich", "cli"} for f, n in _imports("words").items()}
    assert len(offenders) >= 2 and {f: n for f, n in offenders.items() if n} == {}


def test_sandbox_stands_alone():
    offenders = {f: n & {"textual", "tui", "screens", "services"} for f, n in _imports("sandbox").items()}
    assert {f: n for f, n in offenders.items() if n} == {}


def _interface_loaded_by_importing(package: str) -> tuple[int, str]:
    """How many modules `package` has, and the interface modules (textual, tui, screens) that importing them all
    loads in a fresh interpreter: catches an indirect import too (a module importing one that imports textual)."""
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / package).rglob("*.py")]
    modules = [m.removesuffix(".__init__") for m in modules]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui', 'screens'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return len(modules), out.stdout.strip()


def test_importing_every_service_module_loads_no_textual():
    count, loaded = _interface_loaded_by_importing("services")
    assert count > 10 and loaded == ""


def test_importing_every_command_module_loads_no_textual():
    # The headless commands live in cli/ apart from the interface: only `demo` and `tui` load it, inside the
    # function that runs them, so a command over SSH never pays for Textual nor depends on a terminal.
    count, loaded = _interface_loaded_by_importing("cli")
    assert count > 10 and loaded == ""


def test_the_interface_reads_key_labels_through_public_textual_api():
    # Key labels are translated where Textual reads them (the public `Screen.active_bindings`), never by
    # rewriting Textual's private binding maps, which change between Textual versions.
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("tui", "screens")
        for path in (ROOT / package).rglob("*.py")
        if "._bindings" in path.read_text("utf-8")
    ]
    assert offenders == []


def _calls(package: str, names: set[str]) -> list[str]:
    """`module.attr(...)` calls of `names` (e.g. "asyncio.run") in `package`, as "path:line name"."""
    found = []
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                name = f"{owner.id}.{node.func.attr}" if isinstance(owner, ast.Name) else ""
                if name in names:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_the_interface_has_one_async_model():
    # docs/internals.md, "Async model": the App's workers await the engine on the App's loop (no second loop in
    # a thread) and a sync stops through its worker's cancel (no Event polled beside it).
    for package in ("tui", "screens"):
        assert _calls(package, {"asyncio.run", "threading.Event", "asyncio.new_event_loop"}) == []
