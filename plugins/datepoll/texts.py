"""The datepoll plugin's catalogs (locale/) and the functions its modules translate with."""

from __future__ import annotations

from matrixbot import Translations

texts = Translations(__package__)
_ = texts.gettext
_n = texts.ngettext
