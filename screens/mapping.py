"""Variation mapping screen: placeholder until its work lands (issue 6, point 4); replace this module."""

from __future__ import annotations

from screens import PlaceholderScreen
from services.i18n import N_


class MappingScreen(PlaceholderScreen):
    TITLE_TEXT = N_("Variation mapping")
    MODE = "mapping"
