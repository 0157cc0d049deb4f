// Reads an iCalendar feed with Mozilla's ical.js (the parser Thunderbird uses) and prints, as JSON,
// each event's properties and its occurrences (UTC ISO times) from FROM to UNTIL, expanded by ical.js
// itself: RRULE, EXDATE and the VTIMEZONEs of the feed.
// node icaljs_expand.mjs ICAL_JS_PATH FEED_FILE FROM UNTIL
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [icalPath, feedFile, from, until] = process.argv.slice(2);
const ICAL = (await import(pathToFileURL(icalPath).href)).default;

const root = new ICAL.Component(ICAL.parse(readFileSync(feedFile, "utf8")));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const start = ICAL.Time.fromJSDate(new Date(from), true);
const end = ICAL.Time.fromJSDate(new Date(until), true);
const utc = (time) => time.toJSDate().toISOString();

const events = {};
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const occurrences = [];
  if (event.isRecurring()) {
    const iterator = event.iterator();
    for (let next = iterator.next(); next && next.compare(end) < 0; next = iterator.next()) {
      if (next.compare(start) >= 0) occurrences.push(utc(next));
    }
  } else if (event.startDate.compare(end) < 0 && event.startDate.compare(start) >= 0) {
    occurrences.push(utc(event.startDate));
  }
  events[event.uid] = {
    summary: event.summary,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    location: event.location,
    description: event.description,
    url: vevent.getFirstPropertyValue("url"),
    zone: event.startDate.timezone || (event.startDate.isDate ? "date" : event.startDate.zone.tzid),
    duration_s: event.duration.toSeconds(),
    occurrences,
  };
}
console.log(JSON.stringify({ name: root.getFirstPropertyValue("x-wr-calname"), events }));
