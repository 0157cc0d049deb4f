"""Times in German, Spanish and French: written with CLDR's patterns (the zone still named),
read in the language being written and English, with the parser's own checks (a weekday that does
not match its date, a day that does not exist) in each; English as it always was."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from matrixbot.i18n import speaking
from matrixbot.time import (
    FakeClock,
    TimeParser,
    TimeService,
    When,
    format_relative,
    format_time,
    format_when,
    moved_note,
    parse_recurrence,
)
from matrixbot.time.hours import Scheduled

LONDON = ZoneInfo("Europe/London")
AT = datetime(2027, 3, 2, 15, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Tue 2 Mar 2027, 15:00 GMT"),
        ("de", "Dienstag, 2. März 2027, 15:00 (GMT)"),
        ("es", "martes, 2 de marzo de 2027, 15:00 (GMT)"),
        ("fr", "mardi 2 mars 2027, 15:00 (GMT)"),
    ],
)
def test_a_time_is_written_as_the_language_writes_it_with_its_zone(language, shown):
    with speaking(language):
        assert format_time(AT, "Europe/London") == shown


@pytest.mark.parametrize(
    ("language", "slot", "other", "days", "months"),
    [
        (
            "en",
            "Tue 2 Mar 2027, 15:00–16:00 GMT",
            "Tue 2 Mar 2027, 15:00 GMT / Wed 3 Mar, 04:00 NZDT",
            "Fri 17 – Sun 19 May 2024",
            "June – August 2024",
        ),
        (
            "de",
            "Dienstag, 2. März 2027, 15:00–16:00 (GMT)",
            "Dienstag, 2. März 2027, 15:00 (GMT) / Mi., 3. März, 04:00 (NZDT)",
            "Fr., 17. – So., 19. Mai 2024",
            "Juni–August 2024",
        ),
        (
            "es",
            "martes, 2 de marzo de 2027, 15:00–16:00 (GMT)",
            "martes, 2 de marzo de 2027, 15:00 (GMT) / mié, 3 mar, 04:00 (NZDT)",
            "vie, 17 may – dom, 19 may 2024",
            "junio–agosto de 2024",
        ),
        (
            "fr",
            "mardi 2 mars 2027, 15:00–16:00 (GMT)",
            "mardi 2 mars 2027, 15:00 (GMT) / mer. 3 mars, 04:00 (NZDT)",
            "ven. 17 – dim. 19 mai 2024",
            "juin – août 2024",
        ),
    ],
)
def test_ranges_days_and_months_follow_cldr(language, slot, other, days, months):
    utc = ZoneInfo("UTC")
    with speaking(language):
        assert format_when(When(AT, AT + timedelta(hours=1), "Europe/London")) == slot
        assert format_time(AT, "Europe/London", other_zone="Pacific/Auckland") == other
        assert (
            format_when(
                When(datetime(2024, 5, 17, tzinfo=utc), datetime(2024, 5, 20, tzinfo=utc), "UTC", True)
            )
            == days
        )
        assert (
            format_when(When(datetime(2024, 6, 1, tzinfo=utc), datetime(2024, 9, 1, tzinfo=utc), "UTC", True))
            == months
        )


@pytest.mark.parametrize(
    ("language", "ahead", "behind", "one"),
    [
        ("en", "in 2 hours 5 minutes", "3 days ago", "in 1 day"),
        ("de", "in 2 Stunden 5 Minuten", "vor 3 Tagen", "in 1 Tag"),
        ("es", "dentro de 2 horas 5 minutos", "hace 3 días", "dentro de 1 día"),
        ("fr", "dans 2 heures 5 minutes", "il y a 3 jours", "dans 1 jour"),
    ],
)
def test_lengths_of_time_have_their_plural_forms(language, ahead, behind, one):
    with speaking(language):
        assert format_relative(timedelta(hours=2, minutes=5)) == ahead
        assert format_relative(-timedelta(days=3)) == behind
        assert format_relative(timedelta(days=1)) == one


@pytest.mark.parametrize(
    ("language", "repeat", "said"),
    [
        ("en", "every tuesday 10am", "every Tuesday at 10:00"),
        ("de", "jeden Dienstag 10 Uhr", "jeden Dienstag um 10:00"),
        ("es", "cada martes a las 10", "cada martes a las 10:00"),
        ("fr", "chaque mardi 10h", "chaque mardi à 10:00"),
        ("de", "alle 2 Wochen", "alle 2 Wochen"),
        ("es", "el primer martes de cada mes", "cada primer martes"),
        ("fr", "tous les mardis", "chaque mardi"),
        ("fr", "un mardi sur deux", "un mardi sur deux"),
        ("de", "jeden zweiten Dienstag", "jeden zweiten Dienstag"),
    ],
)
def test_repeats_are_read_and_said_in_the_language(language, repeat, said):
    with speaking(language):
        assert parse_recurrence(repeat).describe() == said


def test_a_moved_nudge_says_so_in_the_language():
    slot = Scheduled(datetime(2024, 3, 4, 9, tzinfo=UTC), datetime(2024, 3, 2, 1, 47, tzinfo=UTC))
    with speaking("de"):
        assert moved_note(slot, "UTC") == "von Samstag, 01:47, in die Arbeitszeit verschoben"
    assert moved_note(slot, "UTC") == "moved from Saturday 01:47 to working hours"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2027-02-20 12:00", "Europe/Berlin")


@pytest.mark.parametrize(
    ("language", "text", "start", "end"),
    [
        ("de", "morgen 9 Uhr", datetime(2027, 2, 21, 9), None),
        ("de", "Dienstag, 2. März 2027, 15-16 Uhr", datetime(2027, 3, 2, 15), datetime(2027, 3, 2, 16)),
        ("de", "am 5.3.2027 um 9", datetime(2027, 3, 5, 9), None),
        ("de", "in 2 Wochen", datetime(2027, 3, 6, 12), None),
        ("es", "mañana a las 9", datetime(2027, 2, 21, 9), None),
        ("es", "martes, 2 de marzo de 2027 de 15 a 16 h", datetime(2027, 3, 2, 15), datetime(2027, 3, 2, 16)),
        ("es", "martes 2 de marzo 15-16h", datetime(2027, 3, 2, 15), datetime(2027, 3, 2, 16)),
        ("es", "2 de marzo 15h-16:30h", datetime(2027, 3, 2, 15), datetime(2027, 3, 2, 16, 30)),
        ("es", "dentro de 2 semanas", datetime(2027, 3, 6, 12), None),
        ("fr", "mardi 2 mars 15h", datetime(2027, 3, 2, 15), None),
        ("fr", "demain 9h", datetime(2027, 2, 21, 9), None),
        ("fr", "mardi 2 mars 15-16h", datetime(2027, 3, 2, 15), datetime(2027, 3, 2, 16)),
        ("fr", "2 mars 15h-16h30", datetime(2027, 3, 2, 15), datetime(2027, 3, 2, 16, 30)),
        ("fr", "vendredi de 15h à 16h", datetime(2027, 2, 26, 15), datetime(2027, 2, 26, 16)),
        ("de", "tomorrow 9am", datetime(2027, 2, 21, 9), None),  # English is read in every room
    ],
)
def test_times_are_read_in_the_language_and_english(clock, language, text, start, end):
    parser = TimeParser(clock).reading(language)
    zone = ZoneInfo("Europe/Berlin")
    with speaking(language):
        when = parser.parse(text, "Europe/Berlin")
    assert when.start == start.replace(tzinfo=zone), text
    assert when.end == (end.replace(tzinfo=zone) if end else None), text
    assert not when.problems, when.problems


@pytest.mark.parametrize(
    ("language", "option", "said"),
    [
        (
            "en",
            "Tuesday 5 March 2014",
            "5 March 2014 was a Wednesday, not a Tuesday; did you mean Tuesday 5 March 2030?",
        ),
        (
            "de",
            "Dienstag, 5. März 2014",
            "Der 5. März 2014 war ein Mittwoch, kein Dienstag; meintest du Dienstag, 5. März 2030?",
        ),
        (
            "es",
            "martes, 5 de marzo de 2014",
            "El 5 de marzo de 2014 fue miércoles, no martes; ¿querías decir martes, 5 de marzo de 2030?",
        ),
        (
            "fr",
            "mardi 5 mars 2014",
            "Le 5 mars 2014 était un mercredi, pas un mardi ; voulais-tu dire mardi 5 mars 2030 ?",
        ),
    ],
)
def test_a_weekday_that_does_not_match_its_date_is_caught_in_each_language(clock, language, option, said):
    parser = TimeParser(clock).reading(language)
    near = [date(2030, 3, 4), date(2030, 3, 6)]
    with speaking(language):
        when = parser.parse(option, "Europe/Berlin", near=near)
    weekday = next(p for p in when.problems if p.kind == "weekday")
    assert weekday.message == said
    assert weekday.suggestion is not None and weekday.suggestion.start.date() == date(2030, 3, 5)


def test_a_day_that_does_not_exist_is_named_in_the_language(clock):
    parser = TimeParser(clock).reading("es")
    with speaking("es"), pytest.raises(Exception) as refused:
        parser.parse("31 de noviembre", "Europe/Berlin")
    assert str(refused.value) == "No existe el 31 de noviembre: ese mes tiene 30 días."


async def test_the_time_service_reads_each_language_with_its_own_parser_and_speaks_it(clock):
    service = TimeService(TimeParser(clock))
    try:
        with speaking("fr"):
            when = await service.read(lambda p: p.parse("demain 9h", "Europe/Berlin"))
            assert when.start.time() == time(9)
            shown = await service.read(lambda p: format_time(when.start, "Europe/Berlin"))
            assert shown == "dimanche 21 février 2027, 09:00 (CET)", "the parse runs in the caller's language"
        assert sorted(service._parsers) == ["fr"], "a language's parser is made when first read"
        assert service._parsers["fr"]._languages == ["en", "fr"], "dateparser is told two languages, pinned"
        english = await service.read(lambda p: format_time(when.start, "Europe/Berlin"))
        assert english == "Sun 21 Feb 2027, 09:00 CET"
    finally:
        service.close()
