// Parse an iCalendar file from stdin with Mozilla's ical.js (the parser in Thunderbird) and print JSON:
// the calendar's method and prodid, and for each VEVENT its uid, sequence, status, dtstart/dtend (UTC),
// summary, location, description, url, organizer and attendees. An independent check that a real client
// reads our invites the way we meant them. Used by tests (tests/support/icaljs.py).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(0, "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));

function utc(time) {
  if (!time) return null;
  return { text: time.toString(), iso: time.toJSDate().toISOString(), zone: time.zone ? time.zone.tzid : null };
}

function address(property) {
  if (!property) return null;
  return {
    value: property.getFirstValue(),
    cn: property.getParameter("cn") ?? null,
    role: property.getParameter("role") ?? null,
    partstat: property.getParameter("partstat") ?? null,
    rsvp: property.getParameter("rsvp") ?? null,
  };
}

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    summary: event.summary,
    location: event.location,
    description: event.description,
    url: vevent.getFirstPropertyValue("url"),
    dtstart: utc(event.startDate),
    dtend: utc(event.endDate),
    dtstamp: utc(vevent.getFirstPropertyValue("dtstamp")),
    organizer: address(vevent.getFirstProperty("organizer")),
    attendees: vevent.getAllProperties("attendee").map(address),
  };
});

const first = events[0] ?? {};
process.stdout.write(
  JSON.stringify({
    method: calendar.getFirstPropertyValue("method"),
    prodid: calendar.getFirstPropertyValue("prodid"),
    version: calendar.getFirstPropertyValue("version"),
    timezones: calendar.getAllSubcomponents("vtimezone").length,
    uid: first.uid,
    sequence: first.sequence,
    dtstart: first.dtstart,
    organizer: first.organizer,
    attendees: first.attendees,
    events,
  }),
);
