"""``torchlint server`` end to end: the server runs as a subprocess, driven by pytest-lsp's client (pygls)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs the lsp extra (pygls)")
pytest.importorskip("pytest_lsp", reason="the language server's tests need pytest-lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import client_capabilities  # noqa: E402
from server_session import action_edits, apply_edits, run, session  # noqa: E402

from torchlint.engine.fix_loop import fix_text  # noqa: E402
from torchlint.engine.linter import lint_text  # noqa: E402
from torchlint.engine.registry import all_rules  # noqa: E402

DEFAULT_RULES = [rule for rule in all_rules() if rule.default_enabled]

MODEL = textwrap.dedent('''\
    import torch
    from torch import nn


    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.index = torch.zeros(3, dtype=torch.long)
            self.scale = torch.ones(3)
            self.layers = [nn.Linear(2, 2)]
            self.quiet = torch.ones(2)  # noqa: TL001
''')
INDEX_LINE, SCALE_LINE, LAYERS_LINE, QUIET_LINE = 7, 8, 9, 10  # 0-based, as LSP counts


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def _as_cli(diagnostics: tuple[types.Diagnostic, ...]) -> list[tuple[int, int, int, int, str, str]]:
    return [(d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1, d.range.end.character + 1,
             str(d.code), d.message) for d in diagnostics]


def test_diagnostics_on_open_are_the_command_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "model.py", MODEL)
    expected = [(d.line, d.column, d.end_line, d.end_column, d.code, d.message)
                for d in lint_text(MODEL, str(path), DEFAULT_RULES)]

    async def check() -> None:
        async with session(tmp_path) as lsp:
            uri = lsp.open("model.py", MODEL)
            published = await lsp.published.wait(uri, 1)
            assert published.version == 1
            assert _as_cli(published.diagnostics) == expected
            assert [d.code for d in published.diagnostics] == ["TL001", "TL001", "TL003"]  # the noqa holds
            assert {d.source for d in published.diagnostics} == {"torchlint"}
            assert all(d.severity == types.DiagnosticSeverity.Warning for d in published.diagnostics)

    run(check())


def test_changes_are_debounced_each_publish_carries_its_version_and_syntax_errors_do_not_stop_it(tmp_path: Path) -> None:
    async def check() -> None:
        async with session(tmp_path, {"settings": {"debounce-ms": 300}}) as lsp:
            uri = lsp.open("model.py", MODEL)
            await lsp.diagnostics(uri, 1)
            versions = [lsp.edit(uri, LAYERS_LINE, 22, 22, "") for _ in range(3)]  # three quick keystrokes
            versions.append(lsp.edit(uri, LAYERS_LINE, 13, 19, "blocks"))  # self.layers -> self.blocks
            diagnostics = await lsp.diagnostics(uri, versions[-1])
            assert [d.code for d in diagnostics] == ["TL001", "TL001", "TL003"]
            assert "`self.blocks`" in diagnostics[-1].message
            await asyncio.sleep(0.5)
            assert [p.version for p in lsp.published.received] == []  # nothing for the versions typed over

            lsp.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
            assert len(await lsp.diagnostics(uri, versions[-1])) == 3  # saving publishes again

            # a syntax error mid-typing is one diagnostic, and the server goes on
            broken = lsp.edit(uri, SCALE_LINE, 34, 34, "(")  # self.scale = torch.ones(3)(  : unclosed
            diagnostics = await lsp.diagnostics(uri, broken)
            assert [d.code for d in diagnostics] == ["TL999"]
            assert diagnostics[0].severity == types.DiagnosticSeverity.Error
            mended = lsp.edit(uri, SCALE_LINE, 34, 35, "")
            assert [d.code for d in await lsp.diagnostics(uri, mended)] == ["TL001", "TL001", "TL003"]

    run(check())


BROKEN_TL003 = (
    "import sys\n"
    "from torchlint.engine.registry import rule_by_code\n"
    "def boom(self, event):\n"
    "    raise ValueError('simulated bug')\n"
    "    yield\n"
    "type(rule_by_code()['TL003']).on_attribute_assignment = boom\n"
    "from torchlint.server.command import run\n"
    "sys.exit(run([]))\n"
)


def test_a_rule_that_raises_is_logged_and_the_other_rules_still_report(tmp_path: Path) -> None:
    async def check() -> None:
        async with session(tmp_path, command=[sys.executable, "-c", BROKEN_TL003]) as lsp:
            uri = lsp.open("model.py", MODEL)
            assert [d.code for d in await lsp.diagnostics(uri, 1)] == ["TL001", "TL001"]
            logged = [m.message for m in lsp.client.log_messages if m.type == types.MessageType.Error]
            assert any("rule TL003 failed (ValueError: simulated bug)" in message for message in logged), logged

    run(check())


ASTRAL = textwrap.dedent('''\
    import torch
    from torch import nn


    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.s = "\U0001F600é"; self.scale = torch.ones(3)
''')


def test_positions_are_in_the_negotiated_encoding(tmp_path: Path) -> None:
    line = ASTRAL.splitlines()[7]
    column = line.index("self.scale")  # code points
    prefix = line[:column]
    expected = {
        "utf-16": len(prefix.encode("utf-16-le")) // 2,
        "utf-8": len(prefix.encode("utf-8")),
    }
    assert expected["utf-16"] == column + 1 and expected["utf-8"] == column + 4  # an astral and a 2-byte char

    async def check(encoding: str) -> None:
        from pytest_lsp import client_capabilities

        capabilities = client_capabilities("neovim@v0.7.0")
        capabilities.general = types.GeneralClientCapabilities(position_encodings=[encoding])
        async with session(tmp_path, capabilities=capabilities) as lsp:
            uri = lsp.open("model.py", ASTRAL)
            (diagnostic,) = await lsp.diagnostics(uri, 1)
            assert diagnostic.range.start == types.Position(7, expected[encoding])
            end = expected[encoding] + len("self.scale")
            assert diagnostic.range.end == types.Position(7, end)
            if encoding == "utf-16":  # the quick fix's edit is in the same units: applying it gives --fix's text
                (fix,) = [a for a in await lsp.actions(uri, 7, character=end - 1, end=end)
                          if "Register" in a.title] or [None]
                assert fix is None  # unsafe (a float tensor): not offered without unsafe-fixes

    run(check("utf-16"))
    run(check("utf-8"))


def test_unused_suppression_is_tagged_unnecessary_and_docs_url_sets_code_description(tmp_path: Path) -> None:
    text = MODEL.replace("torch.ones(3)\n", "torch.ones(3)  # noqa: TL002\n")
    options = {"settings": {"extendSelect": ["TL100"], "docsUrl": "https://example.org/rules/{code}/"}}

    async def check() -> None:
        async with session(tmp_path, options) as lsp:
            uri = lsp.open("model.py", text)
            diagnostics = await lsp.diagnostics(uri, 1)
            unused = [d for d in diagnostics if d.code == "TL100"]
            assert len(unused) == 1 and list(unused[0].tags or ()) == [types.DiagnosticTag.Unnecessary]
            assert all(d.tags is None for d in diagnostics if d.code != "TL100")
            assert diagnostics[0].code_description == types.CodeDescription(href="https://example.org/rules/TL001/")

    run(check())


def test_quick_fixes_say_safe_or_unsafe_and_apply_as_the_command_line_fixes(tmp_path: Path) -> None:
    path = _write(tmp_path, "model.py", MODEL)

    def cli_fix(unsafe: bool, code: str) -> str:
        def allowed(d: object) -> bool:
            fix = getattr(d, "fix", None)
            return getattr(d, "code", "") == code and fix is not None and (unsafe or fix.applicability.value == "safe")

        return fix_text(MODEL, str(path), DEFAULT_RULES, allowed).text

    async def check(unsafe: bool) -> None:
        from pytest_lsp import client_capabilities

        capabilities = client_capabilities("neovim@v0.7.0")
        assert capabilities.text_document and capabilities.text_document.code_action
        capabilities.text_document.code_action.resolve_support = None  # a client that cannot resolve actions
        async with session(tmp_path, {"settings": {"unsafe-fixes": unsafe}}, capabilities=capabilities) as lsp:
            uri = lsp.open("model.py", MODEL)
            await lsp.diagnostics(uri, 1)
            actions = await lsp.actions(uri, INDEX_LINE)
            (safe,) = [a for a in actions if a.title.startswith("Register")]
            assert safe.title == "Register `index` as a non-persistent buffer (TL001, safe fix)"
            assert safe.is_preferred and safe.kind == types.CodeActionKind.QuickFix
            assert apply_edits(MODEL, action_edits(safe, uri)).splitlines()[INDEX_LINE] == (
                '        self.register_buffer("index", torch.zeros(3, dtype=torch.long), persistent=False)'
            )
            (fix_all,) = await lsp.actions(uri, 0, only=["source.fixAll"])  # its edit at once: no resolving here
            assert apply_edits(MODEL, action_edits(fix_all, uri)) == fix_text(
                MODEL, str(path), DEFAULT_RULES, lambda d: d.fix is not None and (unsafe or d.fix.applicability.value == "safe")
            ).text
            scale = [a for a in await lsp.actions(uri, SCALE_LINE) if a.title.startswith("Register")]
            if not unsafe:
                assert scale == []  # unsafe fixes only under the unsafe-fixes setting
                return
            (action,) = scale
            assert action.title.endswith("(TL001, unsafe fix: read the rule's Fix safety)")
            assert not action.is_preferred
            fixed = apply_edits(MODEL, action_edits(action, uri))
            assert fixed.splitlines()[SCALE_LINE] == cli_fix(True, "TL001").splitlines()[SCALE_LINE]

    run(check(False))
    run(check(True))


def test_fix_all_is_what_fix_makes_of_the_buffer_including_unsaved_changes(tmp_path: Path) -> None:
    _write(tmp_path, "model.py", "")  # on disk: nothing; the buffer holds the code
    edited = MODEL.replace("self.layers = [", "self.blocks = [")

    async def check() -> None:
        async with session(tmp_path, client="visual_studio_code") as lsp:  # it takes versioned edits
            uri = lsp.open("model.py", MODEL)
            await lsp.diagnostics(uri, 1)
            version = lsp.replace(uri, edited)
            await lsp.diagnostics(uri, version)
            (action,) = await lsp.actions(uri, 0, only=["source.fixAll"])
            assert action.kind == "source.fixAll.torchlint"
            assert action.edit is None  # VS Code resolves actions: the fix loop runs only when it is picked
            action = await lsp.client.code_action_resolve_async(action)
            expected = fix_text(edited, str(tmp_path / "model.py"), DEFAULT_RULES,
                                lambda d: d.fix is not None and d.fix.applicability.value == "safe").text
            assert expected != edited
            assert apply_edits(edited, action_edits(action, uri)) == expected
            assert action.edit is not None and action.edit.document_changes  # versioned: the client's version
            change = action.edit.document_changes[0]
            assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == version
            assert await lsp.actions(uri, 0, only=["source.organizeImports"]) == []

    run(check())


def test_disable_for_this_line_merges_into_an_existing_noqa_comment_and_hover_shows_docs(tmp_path: Path) -> None:
    text = MODEL.replace("self.layers = [nn.Linear(2, 2)]", "self.layers = [nn.Linear(2, 2)]  # noqa: TL002 keep")
    text += "        self.other = [nn.ReLU()]  # torchlint: ignore[TL003]\n"

    async def check() -> None:
        async with session(tmp_path) as lsp:
            uri = lsp.open("model.py", text)
            await lsp.diagnostics(uri, 1)
            actions = [a for a in await lsp.actions(uri, LAYERS_LINE) if a.title.startswith("Disable")]
            assert [a.title for a in actions] == ["Disable TL003 for this line"]
            fixed = apply_edits(text, action_edits(actions[0], uri))
            assert fixed.splitlines()[LAYERS_LINE] == "        self.layers = [nn.Linear(2, 2)]  # noqa: TL002, TL003 keep"
            (plain,) = [a for a in await lsp.actions(uri, SCALE_LINE) if a.title.startswith("Disable")]
            assert apply_edits(text, action_edits(plain, uri)).splitlines()[SCALE_LINE].endswith(
                "torch.ones(3)  # noqa: TL001"
            )

            # hover: the rule's documentation on a finding and on a code in a suppression comment
            on_finding = await lsp.hover(uri, LAYERS_LINE, 10)
            assert on_finding is not None and on_finding.startswith("# module-in-plain-container (TL003)")
            in_noqa = await lsp.hover(uri, QUIET_LINE, text.splitlines()[QUIET_LINE].index("TL001") + 2)
            assert in_noqa is not None and in_noqa.startswith("# unregistered-tensor-attribute (TL001)")
            in_ignore = await lsp.hover(uri, QUIET_LINE + 1, text.splitlines()[QUIET_LINE + 1].index("TL003"))
            assert in_ignore is not None and in_ignore.startswith("# module-in-plain-container (TL003)")
            assert await lsp.hover(uri, 0, 2) is None  # "import torch": nothing to explain

            version = lsp.replace(uri, fixed)
            assert [d.code for d in await lsp.diagnostics(uri, version)] == ["TL001", "TL001"]

    run(check())


def test_settings_and_configuration_precedence_and_reload(tmp_path: Path) -> None:
    config = _write(tmp_path, "pyproject.toml", '[tool.torchlint]\nignore = ["TL003"]\n')

    async def check() -> None:
        async with session(tmp_path, {"settings": {"ignore": ["TL001"]}}) as lsp:
            uri = lsp.open("model.py", MODEL)
            assert await lsp.diagnostics(uri, 1) == ()  # the file ignores TL003, the editor TL001: both add up

            lsp.client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams(settings={"torchlint": {"select": ["TL001", "TL003"], "ignore": []}})
            )
            # select replaces the file's; the client's ignore replaces initializationOptions' (the file's stays)
            assert [d.code for d in await lsp.diagnostics(uri, 1)] == ["TL001", "TL001"]

            config.write_text('[tool.torchlint]\nignore = []\n', encoding="utf-8")
            lsp.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
                [types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
            ))
            assert [d.code for d in await lsp.diagnostics(uri, 1)] == ["TL001", "TL001", "TL003"]

            lsp.client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams(settings={"torchlint": {"select": ["TL0XX"]}})
            )
            await asyncio.sleep(0.3)
            shown = [m.message for m in lsp.client.messages]
            assert any("unknown rule selector 'TL0XX'" in m for m in shown), shown

            # as on the command line, a file the editor names is excluded only under force-exclude
            config.write_text('[tool.torchlint]\nextend-exclude = ["model.py"]\nforce-exclude = true\n', encoding="utf-8")
            lsp.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
                [types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
            ))
            assert await lsp.diagnostics(uri, 1) == ()

    run(check())


def test_workspace_configuration_is_pulled_and_replaces_initialization_options_key_by_key(tmp_path: Path) -> None:
    capabilities = client_capabilities("neovim@v0.7.0")
    assert capabilities.workspace is not None
    capabilities.workspace.configuration = True  # Neovim 0.7 answers it; pytest-lsp's preset does not say so

    async def check() -> None:
        async with session(tmp_path, {"settings": {"ignore": ["TL003"]}}, capabilities=capabilities) as lsp:
            uri = lsp.open("model.py", MODEL)
            assert [d.code for d in await lsp.diagnostics(uri, 1)] == ["TL001", "TL001"]  # no section: init only
            lsp.client.set_configuration({"ignore": ["TL001"]}, section="torchlint")
            lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
            assert [d.code for d in await lsp.diagnostics(uri, 1)] == ["TL003"]  # pulled: its ignore replaces
            # what the notification carries does not count when the client has a section to answer with
            lsp.client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams(settings={"torchlint": {"ignore": []}})
            )
            assert [d.code for d in await lsp.diagnostics(uri, 1)] == ["TL003"]
            lsp.client.set_configuration({}, section="torchlint")
            lsp.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
            assert [d.code for d in await lsp.diagnostics(uri, 1)] == ["TL001", "TL001"]  # removed: init again

    run(check())


def test_pull_diagnostics_when_the_client_offers_them(tmp_path: Path) -> None:
    async def check() -> None:
        async with session(tmp_path, client="neovim@v0.11.0") as lsp:  # Neovim 0.11 pulls
            uri = lsp.open("model.py", MODEL)
            report = await lsp.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri), identifier="torchlint")
            )
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
            assert [d.code for d in report.items] == ["TL001", "TL001", "TL003"]
            again = await lsp.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
                types.TextDocumentIdentifier(uri), previous_result_id=report.result_id
            ))
            assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
            assert lsp.published.received == []  # a pull client is not pushed to as well

    run(check())


BASE = textwrap.dedent('''\
    from torch import nn


    class Base(nn.Module):
        pass
''')
CHILD = textwrap.dedent('''\
    import torch
    from base import Base


    class Child(Base):
        def __init__(self):
            super().__init__()
            self.mask = torch.ones(3)
''')


def test_cross_file_bases_come_from_the_workspace_and_open_buffers_win(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", "")
    _write(tmp_path, "base.py", BASE)

    async def check() -> None:
        async with session(tmp_path) as lsp:
            child = lsp.open("child.py", CHILD)
            assert [d.code for d in await lsp.diagnostics(child, 1)] == ["TL001"]  # Base is a Module on disk
            base = lsp.open("base.py", BASE.replace("class Base(nn.Module):", "class Base:"))
            await lsp.diagnostics(base, 1)
            version = lsp.edit(child, 7, 0, 0, "")  # an empty edit: lint child.py again
            assert await lsp.diagnostics(child, version) == ()  # the unsaved buffer says Base is no Module
            lsp.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(base)))
            await lsp.diagnostics(base)
            version = lsp.edit(child, 7, 0, 0, "")
            assert [d.code for d in await lsp.diagnostics(child, version)] == ["TL001"]  # closed: disk again

    run(check())


def test_a_change_to_a_base_in_another_buffer_or_on_disk_relints_the_documents_drawn_from_it(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", "")
    base_file = _write(tmp_path, "base.py", BASE)
    _write(tmp_path, "other.py", "from torch import nn\n\n\nclass Other(nn.Module):\n    pass\n")

    async def check() -> None:
        async with session(tmp_path) as lsp:
            child = lsp.open("child.py", CHILD)
            assert [d.code for d in await lsp.diagnostics(child, 1)] == ["TL001"]
            base = lsp.open("base.py", BASE)
            await lsp.diagnostics(base, 1)
            # typing in base.py: child.py is linted again on its own, same version, Base no longer a Module
            lsp.edit(base, 3, 10, 21, "")  # class Base(nn.Module): -> class Base:
            assert await lsp.diagnostics(child, 1) == ()
            lsp.edit(base, 3, 10, 10, "(nn.Module)")
            assert [d.code for d in await lsp.diagnostics(child, 1)] == ["TL001"]
            lsp.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(base)))
            assert [d.code for d in await lsp.diagnostics(child, 1)] == ["TL001"]  # disk again, as the buffer was

            # a file child.py does not draw on changes on disk: child.py is not linted again
            lsp.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
                [types.FileEvent(uri=(tmp_path / "other.py").as_uri(), type=types.FileChangeType.Changed)]
            ))
            await asyncio.sleep(0.6)
            assert child not in [p.uri for p in lsp.published.received]
            # base.py changes on disk: its outline is read again and child.py linted again
            base_file.write_text(BASE.replace("class Base(nn.Module):", "class Base:"), encoding="utf-8")
            lsp.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
                [types.FileEvent(uri=base_file.as_uri(), type=types.FileChangeType.Changed)]
            ))
            assert await lsp.diagnostics(child, 1) == ()

    run(check())


def test_without_the_lsp_extra_one_line_says_what_to_install() -> None:
    blocked = "import sys; sys.modules['pygls'] = None; from torchlint.commands.cli import main; sys.exit(main(['server']))"
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == 'torchlint: error: the language server needs pygls: pip install "torchlint[lsp]"\n'
    assert done.stdout == ""


def test_importing_torchlint_and_its_command_line_does_not_import_pygls() -> None:
    code = ("import sys, torchlint, torchlint.commands.cli, torchlint.server, torchlint.server.command; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
