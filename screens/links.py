"""Linked products screen: placeholder until its work lands (issue 6, point 3); replace this module."""

from __future__ import annotations

from screens import PlaceholderScreen
from services.i18n import N_


class LinksScreen(PlaceholderScreen):
    TITLE_TEXT = N_("Linked products")
    MODE = "links"
