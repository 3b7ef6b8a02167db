// The check-in code screen: load the next code when this one changes (the page works without this: it has a link).
const note = document.querySelector("[data-app-refresh-seconds]");
if (note) {
  const seconds = Number(note.getAttribute("data-app-refresh-seconds"));
  if (seconds > 0) window.setTimeout(() => window.location.reload(), seconds * 1000);
}
