"""Sync logs screen: placeholder until its work lands (issue 6, point 5); replace this module."""

from __future__ import annotations

from screens import PlaceholderScreen
from services.i18n import N_


class SyncLogsScreen(PlaceholderScreen):
    TITLE_TEXT = N_("Sync logs")
    MODE = "sync_logs"
