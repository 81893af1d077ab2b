"""Screens and modals; each renders state and posts intents (messages), never does I/O.

`BaseScreen` / `BaseModal` show their bindings' descriptions in the current language (through the public
`active_bindings`, which the footer and help read) and expose `palette_commands()` for the `ctrl+p`
palette. Every screen of the app derives from one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache, partial
from typing import TYPE_CHECKING, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual import getters
from textual.binding import Binding
from textual.screen import ActiveBinding, ModalScreen, Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from services.i18n import N_, _, language

if TYPE_CHECKING:
    from tui.app import MelisyncApp

    _Node = Screen  # what `_Translated` is mixed into, as the type checker reads it
else:
    _Node = object

# (title, help, callback) as the command palette shows it.
PaletteCommand = tuple[str, str, Callable[[], object]]

# Textual's own binding descriptions that our footer, help and palette show: they are not in our source,
# so they are marked here for the catalogue (services/locale/melisync.pot) and translated by
# `translated_bindings` like ours.
TEXTUAL_TEXTS = (N_("palette"), N_("Focus Next"), N_("Focus Previous"), N_("Copy selected text"))


@cache
def _translated(binding: Binding, lang: str) -> Binding:
    """`binding` with its description, tooltip and group label in `lang` (cached: the footer asks often)."""
    group = binding.group
    if group is not None:
        group = Binding.Group(_(group.description), compact=group.compact)
    return replace(
        binding,
        description=_(binding.description) if binding.description else "",
        tooltip=_(binding.tooltip) if binding.tooltip else "",
        group=group,
    )


def translated_bindings(active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """`Screen.active_bindings` with every description in the current language.

    Bindings are class attributes evaluated at import time, before `--lang` is known, and the language may
    change while the app runs (tests render both), so they are translated where Textual reads them: the
    public `active_bindings`, which the footer, the help panel and our palette all go through.
    """
    lang = language()
    return {key: entry._replace(binding=_translated(entry.binding, lang)) for key, entry in active.items()}


def binding_commands(screen: Screen) -> Iterator[PaletteCommand]:
    """One palette command per binding of ours (it has an id) of `screen` that is enabled right now."""
    seen: set[str] = set()
    for entry in screen.active_bindings.values():
        binding = entry.binding
        if entry.node is not screen or not binding.id or not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        action = binding.action
        yield (
            binding.description,
            binding.tooltip,
            partial(screen.run_action, action),
        )


class _Translated(_Node):
    """Shows its bindings in the current language; palette commands default to its bindings."""

    if TYPE_CHECKING:
        # Every screen of ours runs in the melisync App: its workers, signals and state are typed through this.
        # Typing only (Textual's own `app` stays), so a test may still mount a screen in a bare App.
        app = getters.app(MelisyncApp)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return translated_bindings(super().active_bindings)

    def palette_commands(self) -> Iterator[PaletteCommand]:
        """Commands this screen offers in the palette; by default its bindings. Override to add more."""
        yield from binding_commands(self)


class BaseScreen(_Translated, Screen):
    """A mode's screen: translated bindings, palette commands from its bindings."""

    #: The screen's name in the mode bar, help and palette ("Connection"); translated when shown.
    TITLE_TEXT = ""


ResultType = TypeVar("ResultType")


class BaseModal(_Translated, ModalScreen[ResultType]):
    """A modal with translated bindings, dismissed with a `ResultType` (its caller's callback, or
    `push_screen_wait` in a worker, gets it; None when the modal is dismissed without one)."""


class PlaceholderScreen(BaseScreen):
    """A mode whose screen is not built yet: the mode bar, a line saying so, the footer."""

    MODE = ""

    def compose(self):
        yield ModeBar(self.MODE)
        yield Static(_("This screen is not built yet."), classes="placeholder")
        yield KeysFooter()


class KeysFooter(Footer):
    """The footer, compact, that never cuts a key: keys that do not fit the width are left out whole,
    from the last one (screens list their keys most important first); every key is in `?` and ctrl+p."""

    def __init__(self, **kwargs) -> None:
        super().__init__(compact=True, **kwargs)
        self._composed_for = 0
        self._composed_keys: tuple | None = None  # the keys as last composed (`_keys_shown`)

    def _keys_shown(self) -> tuple:
        return tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen) -> None:
        # Composing the keys again mounts a widget per key (~8 ms at 160 columns, issue 14): only when what they
        # show changed. Focus moving to a modal and back, or the cursor moving, mostly leaves them as they were;
        # a screen out of sight (another mode) is looked at again when it is back (its focus comes back, and
        # with it a bindings change).
        if screen is self.screen and (not screen.is_current or self._keys_shown() == self._composed_keys):
            return
        super().bindings_changed(screen)

    def compose(self):
        keys_shown = self._keys_shown()
        widgets = list(super().compose())
        if widgets:  # none until Textual says the bindings are ready
            self._composed_keys = keys_shown
        keys = [w for w in widgets if isinstance(w, FooterKey) and not w.has_class("-command-palette")]
        palette = [w for w in widgets if w not in keys]
        width = self.size.width or self.app.size.width
        self._composed_for = width
        room = width - sum(cell_len(w.key_display) + cell_len(w.description) + 3 for w in palette)
        shown, used = [], 0
        for key in keys:
            need = cell_len(key.key_display) + 1 + cell_len(key.description) + 1
            if used + need > room:
                break
            shown.append(key)
            used += need
        yield from shown
        yield from palette

    def on_resize(self) -> None:
        if self.size.width != self._composed_for and self.is_attached:
            self.call_after_refresh(self.recompose)


class ModeBar(Static):
    """The top line: every mode with its key, the current one highlighted.

    It reads the App's `MODES` (name -> screen class, in key order), so a new mode shows up here
    without touching this widget.
    """

    def __init__(self, current: str) -> None:
        super().__init__(classes="mode-bar")
        self.current = current

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (name, screen_class) in enumerate(self.app.MODES.items(), start=1):
            title = _(getattr(screen_class, "TITLE_TEXT", "") or name)
            style = "bold reverse" if name == self.current else ""
            text.append(f" {index} {title} ", style=style)
            text.append(" ")
        # Help and quit stay findable even when a busy screen pushes them out of the footer.
        for hint in self._hints():
            room = self.size.width - text.cell_len - len(hint)
            if room >= 1:
                text.append(" " * room)
                text.append(hint, style="dim")
                break
        return text

    def on_resize(self) -> None:
        self.refresh()

    def _hints(self) -> list[str]:
        """The right-hand hint, longest first: "? help  q quit", then "? help"."""
        keys: dict[str, str] = {}
        for active in self.screen.active_bindings.values():
            if active.binding.id in ("app.help", "app.quit"):
                keys.setdefault(active.binding.id, self.app.get_key_display(active.binding))
        parts = []
        if "app.help" in keys:
            parts.append(_("{key} help", key=keys["app.help"]))
        if "app.quit" in keys:
            parts.append(_("{key} quit", key=keys["app.quit"]))
        return ["  ".join(parts) + " ", parts[0] + " "] if parts else []
