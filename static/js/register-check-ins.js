// The register: show arrivals as people check in, without reloading (the page shows them when loaded too).
const status = document.querySelector("[data-app-check-ins]");
if (status) {
  const url = status.getAttribute("data-app-check-ins");
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      let missing = 0;
      for (const arrival of data.check_ins) {
        const slot = document.querySelector(`#booking-${arrival.booking_id} .app-register__check-in`);
        if (!slot) {
          missing += 1;
          continue;
        }
        if (!slot.textContent.trim()) {
          slot.innerHTML = "";
          const tag = document.createElement("strong");
          tag.className = "govuk-tag govuk-tag--blue";
          tag.textContent = arrival.label;
          slot.appendChild(tag);
        }
      }
      const text = `${data.count} checked in` + (missing ? `, ${missing} not shown yet: reload the page to see them` : "");
      if (status.textContent !== text) status.textContent = text;
    } catch {
      // offline for a moment: try again at the next poll
    }
  };
  window.setInterval(poll, 15000);
}
