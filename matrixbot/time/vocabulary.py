"""The words of dates in the languages the bot reads besides English, as the parser's own English
words: "Dienstag, 5. März 2014 15 Uhr" is read as "tuesday 5 march 2014 15:00".

dateparser reads the room's language too (it is given that language and English, never a guess),
but the parser's own work happens before it: the weekday checked against the date (a typo), the
day that does not exist, ranges ("15-16 Uhr"), "in 2 Wochen", repeats ("jeden Dienstag"). So each
language's words are rewritten into the one spelling that work reads, as `normalise` already does
for English ("Sept." is "september"). Text in English passes through unchanged: a member may
always write English.

Clock times follow the language's custom: the 24-hour clock, so "um 9", "a las 9" and "à 9h" are
09:00 (in English, "at 9" is asked about: morning or afternoon?).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

_H = r"([01]?[0-9]|2[0-3])"
"""An hour of the 24-hour clock."""
_NUMBERS = {
    "de": "null ein zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "es": "cero un dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf dix onze douze",
}

_WORDS: dict[str, dict[str, str]] = {
    "de": {
        **dict.fromkeys(("montag", "mo."), "monday"),
        **dict.fromkeys(("dienstag", "di."), "tuesday"),
        **dict.fromkeys(("mittwoch", "mi."), "wednesday"),
        **dict.fromkeys(("donnerstag", "do."), "thursday"),
        **dict.fromkeys(("freitag", "fr."), "friday"),
        **dict.fromkeys(("samstag", "sonnabend", "sa."), "saturday"),
        **dict.fromkeys(("sonntag", "so."), "sunday"),
        **dict.fromkeys(("montags",), "mondays"),
        **dict.fromkeys(("dienstags",), "tuesdays"),
        **dict.fromkeys(("mittwochs",), "wednesdays"),
        **dict.fromkeys(("donnerstags",), "thursdays"),
        **dict.fromkeys(("freitags",), "fridays"),
        **dict.fromkeys(("samstags",), "saturdays"),
        **dict.fromkeys(("sonntags",), "sundays"),
        **dict.fromkeys(("januar", "jänner", "jan."), "january"),
        **dict.fromkeys(("februar", "feber", "feb."), "february"),
        **dict.fromkeys(("märz", "maerz", "marz", "mär.", "mrz."), "march"),
        **dict.fromkeys(("april", "apr."), "april"),
        **dict.fromkeys(("mai",), "may"),
        **dict.fromkeys(("juni", "jun."), "june"),
        **dict.fromkeys(("juli", "jul."), "july"),
        **dict.fromkeys(("august", "aug."), "august"),
        **dict.fromkeys(("september", "sep.", "sept."), "september"),
        **dict.fromkeys(("oktober", "okt."), "october"),
        **dict.fromkeys(("november", "nov."), "november"),
        **dict.fromkeys(("dezember", "dez."), "december"),
        "heute": "today",
        "morgen": "tomorrow",
        "übermorgen": "in 2 days",
        "gestern": "yesterday",
        "jetzt": "now",
        **dict.fromkeys(("nächsten", "nächste", "nächster", "kommenden", "kommende"), "next"),
        **dict.fromkeys(("diesen", "diese", "dieser"), "this"),
        "mittag": "noon",
        "mitternacht": "midnight",
        **dict.fromkeys(("sekunde", "sekunden"), "seconds"),
        **dict.fromkeys(("minute", "minuten"), "minutes"),
        **dict.fromkeys(("stunde", "stunden", "std."), "hours"),
        **dict.fromkeys(("tag", "tage", "tagen"), "days"),
        **dict.fromkeys(("woche", "wochen"), "weeks"),
        **dict.fromkeys(("monat", "monate", "monaten"), "months"),
        **dict.fromkeys(("jahr", "jahre", "jahren"), "years"),
        **dict.fromkeys(("jeden", "jede", "jedes", "alle"), "every"),
        **dict.fromkeys(("täglich", "taeglich"), "daily"),
        **dict.fromkeys(("wöchentlich", "woechentlich"), "weekly"),
        **dict.fromkeys(("zweiwöchentlich", "vierzehntägig", "14-tägig"), "fortnightly"),
        "monatlich": "monthly",
        **dict.fromkeys(("vierteljährlich", "quartalsweise"), "quarterly"),
        **dict.fromkeys(("jährlich", "jaehrlich"), "yearly"),
        **dict.fromkeys(("ersten", "erste", "erster"), "first"),
        **dict.fromkeys(("zweiten", "zweite"), "second"),
        **dict.fromkeys(("dritten", "dritte"), "third"),
        **dict.fromkeys(("vierten", "vierte"), "fourth"),
        **dict.fromkeys(("letzten", "letzte", "letzter"), "last"),
        **dict.fromkeys(("ein", "eine", "einen", "einer"), "a"),
        "und": "and",
        "um": "at",
        "von": "from",
        "bis": "to",
        "ab": "from",
        **dict.fromkeys(("den", "dem", "im"), ""),
    },
    "es": {
        "lunes": "monday",
        **dict.fromkeys(("martes",), "tuesday"),
        **dict.fromkeys(("miércoles", "miercoles", "mié.", "mie."), "wednesday"),
        **dict.fromkeys(("jueves", "jue."), "thursday"),
        **dict.fromkeys(("viernes", "vie."), "friday"),
        **dict.fromkeys(("sábado", "sabado", "sáb.", "sab."), "saturday"),
        **dict.fromkeys(("domingo", "dom."), "sunday"),
        **dict.fromkeys(("sábados", "sabados"), "saturdays"),
        "domingos": "sundays",
        **dict.fromkeys(("enero", "ene."), "january"),
        **dict.fromkeys(("febrero",), "february"),
        **dict.fromkeys(("marzo",), "march"),
        **dict.fromkeys(("abril", "abr."), "april"),
        **dict.fromkeys(("mayo",), "may"),
        **dict.fromkeys(("junio",), "june"),
        **dict.fromkeys(("julio",), "july"),
        **dict.fromkeys(("agosto", "ago."), "august"),
        **dict.fromkeys(("septiembre", "setiembre"), "september"),
        **dict.fromkeys(("octubre",), "october"),
        **dict.fromkeys(("noviembre",), "november"),
        **dict.fromkeys(("diciembre", "dic."), "december"),
        "hoy": "today",
        **dict.fromkeys(("mañana", "manana"), "tomorrow"),
        "ayer": "yesterday",
        "ahora": "now",
        **dict.fromkeys(("próximo", "próxima", "proximo", "proxima"), "next"),
        **dict.fromkeys(("este", "esta"), "this"),
        **dict.fromkeys(("mediodía", "mediodia"), "noon"),
        "medianoche": "midnight",
        "segundos": "seconds",
        **dict.fromkeys(("minuto", "minutos"), "minutes"),
        **dict.fromkeys(("hora", "horas"), "hours"),
        **dict.fromkeys(("día", "días", "dia", "dias"), "days"),
        **dict.fromkeys(("semana", "semanas"), "weeks"),
        **dict.fromkeys(("mes", "meses"), "months"),
        **dict.fromkeys(("año", "años", "ano", "anos"), "years"),
        "cada": "every",
        **dict.fromkeys(("diario", "diaria", "diariamente"), "daily"),
        **dict.fromkeys(("semanal", "semanalmente"), "weekly"),
        **dict.fromkeys(("quincenal", "quincenalmente"), "fortnightly"),
        **dict.fromkeys(("mensual", "mensualmente"), "monthly"),
        **dict.fromkeys(("trimestral", "trimestralmente"), "quarterly"),
        **dict.fromkeys(("anual", "anualmente"), "yearly"),
        **dict.fromkeys(("primer", "primero", "primera"), "first"),
        **dict.fromkeys(("tercer", "tercero", "tercera"), "third"),
        **dict.fromkeys(("cuarto", "cuarta"), "fourth"),
        **dict.fromkeys(("último", "última", "ultimo", "ultima"), "last"),
        **dict.fromkeys(("un", "una", "uno"), "a"),
        **dict.fromkeys(("segundo", "segunda"), "second"),
        "desde": "from",
        "hasta": "to",
        **dict.fromkeys(("de", "del", "el", "la", "las", "los"), ""),
    },
    "fr": {
        "lundi": "monday",
        **dict.fromkeys(("mardi", "mar."), "tuesday"),
        **dict.fromkeys(("mercredi", "mer."), "wednesday"),
        **dict.fromkeys(("jeudi", "jeu."), "thursday"),
        **dict.fromkeys(("vendredi", "ven."), "friday"),
        **dict.fromkeys(("samedi", "sam."), "saturday"),
        **dict.fromkeys(("dimanche", "dim."), "sunday"),
        **dict.fromkeys(("janvier", "janv."), "january"),
        **dict.fromkeys(("février", "fevrier", "févr.", "fevr."), "february"),
        "mars": "march",
        **dict.fromkeys(("avril", "avr."), "april"),
        "mai": "may",
        "juin": "june",
        **dict.fromkeys(("juillet", "juil."), "july"),
        **dict.fromkeys(("août", "aout"), "august"),
        **dict.fromkeys(("septembre",), "september"),
        **dict.fromkeys(("octobre",), "october"),
        **dict.fromkeys(("novembre",), "november"),
        **dict.fromkeys(("décembre", "decembre", "déc."), "december"),
        **dict.fromkeys(("aujourd'hui", "aujourdhui"), "today"),
        "demain": "tomorrow",
        **dict.fromkeys(("après-demain", "apres-demain"), "in 2 days"),
        "hier": "yesterday",
        "maintenant": "now",
        **dict.fromkeys(("prochain", "prochaine"), "next"),
        **dict.fromkeys(("ce", "cette"), "this"),
        "midi": "noon",
        "minuit": "midnight",
        **dict.fromkeys(("seconde", "secondes"), "seconds"),
        **dict.fromkeys(("heure", "heures"), "hours"),
        **dict.fromkeys(("jour", "jours"), "days"),
        **dict.fromkeys(("semaine", "semaines"), "weeks"),
        "mois": "months",
        **dict.fromkeys(("année", "années", "annee", "annees"), "years"),
        "chaque": "every",
        **dict.fromkeys(("quotidien", "quotidienne", "quotidiennement"), "daily"),
        **dict.fromkeys(("hebdomadaire", "hebdo"), "weekly"),
        **dict.fromkeys(("bimensuel", "bimensuelle"), "fortnightly"),
        **dict.fromkeys(("mensuel", "mensuelle", "mensuellement"), "monthly"),
        **dict.fromkeys(("trimestriel", "trimestrielle"), "quarterly"),
        **dict.fromkeys(("annuel", "annuelle", "annuellement"), "yearly"),
        **dict.fromkeys(("premier", "première", "premiere"), "first"),
        **dict.fromkeys(("deuxième", "deuxieme", "second"), "second"),
        **dict.fromkeys(("troisième", "troisieme"), "third"),
        **dict.fromkeys(("quatrième", "quatrieme"), "fourth"),
        **dict.fromkeys(("dernier", "dernière", "derniere"), "last"),
        **dict.fromkeys(("un", "une"), "a"),
        "et": "and",
        "jusqu'à": "to",
        **dict.fromkeys(("le", "la", "les", "du", "de", "des", "à", "en"), ""),
    },
}
"""Each language's words, lower case, as the English word the parser reads ("" drops a word
that only joins others, such as "den" or "de")."""

SAMPLES: dict[str, dict[str, str]] = {
    "de": {
        "clock": "{hour} Uhr",
        "tomorrow": "morgen 9 Uhr",
        "weeks": "in 2 Wochen",
        "days": "{first}.-{last}. {month}",
        "days_apart": "{first}. {month} - {last}. {last_month}",
    },
    "es": {
        "clock": "a las {hour}:00",
        "tomorrow": "mañana a las 9:00",
        "weeks": "dentro de 2 semanas",
        "days": "{first}-{last} de {month}",
        "days_apart": "{first} de {month} - {last} de {last_month}",
    },
    "fr": {
        "clock": "{hour}h",
        "tomorrow": "demain 9h",
        "weeks": "dans 2 semaines",
        "days": "{first}-{last} {month}",
        "days_apart": "{first} {month} - {last} {last_month}",
    },
}
"""How the examples in the bot's hints are written in each language: phrases `english` reads
(a test says each to the bot)."""


def _german_am(match: re.Match[str]) -> str:
    """German "am" joins a date ("am Dienstag", "15 Uhr am 5. März"); after a bare hour of the
    12-hour clock it is the English "am" ("9 am"), kept."""
    hour = match.group(1)
    if hour is not None and 1 <= int(hour) <= 12:
        return match.group()
    return f"{hour} " if hour is not None else " "


_Replacement = str | Callable[[re.Match[str]], str]

_PHRASES: dict[str, list[tuple[str, _Replacement]]] = {
    "de": [
        (r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?![0-9])", r"\1/\2/\3"),  # 5.3.2027
        (rf"\b{_H}(?:[:.](\d\d))?\s*(?:-|bis)\s*{_H}(?:[:.](\d\d))?\s*uhr\b", r"\1:\2-\3:\4"),  # 15-16 Uhr
        (rf"\b{_H}(?:[:.](\d\d))?\s*uhr\b", r"\1:\2"),  # 15 Uhr, 15.30 Uhr
        (r"\b(\d{1,2})\.\s*-\s*(\d{1,2})\.", r"\1-\2"),  # 4.-6. Juni
        (r"\b(\d{1,2})\.(?=\s|$)", r"\1"),  # 5. März
        (r"\b(?:des|im|jeden|pro)\s+monats?\b", "of the month"),
        (r"\b(?:eine\s+)?halbe\s+stunde\b", "half an hour"),
        (r"\b(?:anderthalb|eineinhalb)\b", "1.5"),
        (r"\bvor\s+(\d+\s+\w+)", r"\1 ago"),
        (r"\bjeden\s+zweiten\s+(\w+)(?!.*\bmonats?\b)", r"every other \1"),
        (rf"\bum\s+{_H}\b(?![:.0-9])", r"\1:"),  # um 9: 09:00
        (r"(?:\b(\d{1,2})\s+)?\bam\b", _german_am),  # "am Dienstag" (not "9 am")
    ],
    "es": [
        (rf"\bde\s+{_H}(?::(\d\d))?\s*h?\s+a\s+{_H}(?::(\d\d))?(?:\s*h\b)?", r"\1:\2-\3:\4"),  # de 15 a 16 h
        (rf"\ba\s+las?\s+{_H}(?::(\d\d))?\b(?!\s*(?:am|pm)\b)", r"\1:\2"),  # a las 9
        (rf"\b{_H}(?::(\d\d))?\s*h?\s*-\s*{_H}(?::(\d\d))?\s*h\b", r"\1:\2-\3:\4"),  # 15-16h, 15h-16h
        (rf"\b{_H}(?::(\d\d))?\s*h\b", r"\1:\2"),  # 15 h
        (r"(?<=[0-9])\s+segundos?\b", " seconds"),
        (r"\b(\d{1,2})(?::(\d\d))?\s+de\s+la\s+(?:mañana|manana|madrugada)\b", r"\1:\2am"),
        (r"\b(\d{1,2})(?::(\d\d))?\s+de\s+la\s+(?:tarde|noche)\b", r"\1:\2pm"),
        (r"\bpasado\s+(?:mañana|manana)\b", "in 2 days"),
        (r"\bdentro\s+de\b", "in"),
        (r"\ben\s+(?=\d)", "in "),
        (r"\bhace\s+(\d+\s+\w+)", r"\1 ago"),
        (r"\b(?:de\s+cada|de\s+todos\s+los|del|de)\s+mes(?:es)?\b", "of the month"),
        (r"\bmedia\s+hora\b", "half an hour"),
        (r"\by\s+media\b", "and a half"),
        (
            r"\blos\s+(lunes|martes|miércoles|miercoles|jueves|viernes|sábados|sabados|domingos)\b",
            r"every \1",
        ),
        (r"(?<=[0-9])\s+a\s+(?=[0-9])", " to "),
        (r"(?<![0-9])\s+y\s+", " and "),
        (r"\ben\b", ""),
    ],
    "fr": [
        (r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b", r"\1/\2/\3"),
        (rf"\b{_H}\s*(?:h(\d\d)?)?\s*-\s*{_H}\s*h(\d\d)?(?!\w)", r"\1:\2-\3:\4"),  # 15-16h, 15h-16h30
        (rf"\b{_H}\s*h(\d\d)?(?!\w)", r"\1:\2"),  # 15h, 15h30, 9 h
        (rf"\b(?:à|a)\s+{_H}\b(?![:.0-9])", r"\1:"),  # à 9: 09:00
        (r"\b1er\b", "1"),
        (r"\bil\s+y\s+a\s+(\d+\s+\w+)", r"\1 ago"),
        (r"\bdans\b", "in"),
        (r"\b(?:tous|toutes)\s+les\s+(?:quinze|15)\s+jours\b", "fortnightly"),
        (r"\bun\s+(\w+)\s+sur\s+deux\b", r"every other \1"),
        (r"\b(?:tous|toutes)\s+les\b", "every"),
        (r"\b(?:de\s+chaque|du|de)\s+mois\b", "of the month"),
        (r"\b(?:une\s+)?demi-heure\b", "half an hour"),
        (r"\bet\s+demie?\b", "and a half"),
        (r"(?<=[0-9])\s*\bans?\b", " years"),
        (r"(?<=[0-9])\s+(?:à|a|au)\s+(?=[0-9])", " to "),
        (r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s\b", r"\1"),
    ],
}
"""Rules read before the words: clock times, ordinals, phrases of several words."""


@cache
def _rules(language: str) -> tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]:
    rules: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = []
    for pattern, replacement in _PHRASES.get(language, []):
        rules.append(
            (re.compile(pattern), _expander(replacement) if isinstance(replacement, str) else replacement)
        )
    words = dict(_WORDS.get(language, {}))
    numbers = _NUMBERS.get(language)
    if numbers:
        words.update({word: str(n) for n, word in enumerate(numbers.split()) if n > 1})
    if words:
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        found = re.compile(rf"(?<![\w'-])(?:{alternatives})(?![\w'-])")
        rules.append((found, lambda m: words[m.group()]))
    return tuple(rules)


def _expander(template: str) -> Callable[[re.Match[str]], str]:
    """A rule's replacement: `template` with the groups filled in, an hour alone made "15:00"."""
    return lambda match: _clock(match.expand(template))


def _clock(text: str) -> str:
    """ "15:" (an hour written without minutes) is "15:00"."""
    return re.sub(r"(?<=[0-9]):(?![0-9])", ":00", text)


def english(text: str, languages: Iterable[str]) -> str:
    """Lower-case `text` with the date words of `languages` (the member's, the room's) written as
    the parser's English ones; unchanged for English or a language the parser has no words of."""
    for language in languages:
        for pattern, replace in _rules(language):
            text = pattern.sub(replace, text)
    return " ".join(text.split())


def words_of(language: str) -> frozenset[str]:
    """The words `english` knows in `language`: none of them is named as unknown in a reply."""
    return frozenset(_WORDS.get(language, {})) | frozenset((_NUMBERS.get(language) or "").split())
