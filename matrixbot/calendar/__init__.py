"""Room calendars: the feed members subscribe to (`!calendar`) and the agenda page beside it.

addresses (tokens, kept as hashes) · ledger (versions and cancellations of what was served) ·
ics (the iCalendar feed) · page (the agenda page) · limits (rate limits, the client behind a
proxy) · service (a room's calendar, gathered from the plugins' `calendar_items`) · http (the
routes the bot's listener serves). Below the engine: it uses the API, the Matrix layer and time.
"""
