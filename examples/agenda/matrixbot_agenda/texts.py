"""The agenda plugin's catalogs (locale/ beside this file) and the functions its modules translate with.

English is written in the code; `locale/de/LC_MESSAGES/matrixbot_agenda.po` says it in German.
"""

from __future__ import annotations

from matrixbot import Translations

texts = Translations(__package__)
_ = texts.gettext
_n = texts.ngettext
