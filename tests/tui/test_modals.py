"""Every modal is a `ModalScreen[T]` (through `screens.BaseModal[T]`): what it dismisses with is typed, so a
caller's callback (or `push_screen_wait` in a worker) knows what it gets."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TypeVar, get_args, get_origin

import screens
from screens import BaseModal


def _modals() -> list[type]:
    for module in pkgutil.iter_modules(screens.__path__):
        importlib.import_module(f"screens.{module.name}")
    found, todo = [], [BaseModal]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def _result_type(cls: type) -> object:
    """The T of the `BaseModal[T]` that `cls` (or a class it derives from) declares; None when none does."""
    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = get_origin(base)
            if isinstance(origin, type) and issubclass(origin, BaseModal):
                [arg] = get_args(base)
                if not isinstance(arg, TypeVar):
                    return arg
    return None


def test_every_modal_says_what_it_dismisses_with():
    modals = _modals()
    assert {m.__name__ for m in modals} >= {"ConfirmModal", "SettingsModal", "SyncKindModal"}
    untyped = [m.__name__ for m in modals if _result_type(m) is None]
    assert untyped == []
