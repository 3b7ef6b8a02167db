// The board report's charts: each organisation's percent at each period end against the course's
// target, one chart per course, drawn with Chart.js (loaded before this module from
// /vendor/chart.umd.min.js). The figures come from the page's JSON data block; the report's tables
// hold the same figures for anyone who cannot see the charts.

const source = document.getElementById("board-chart-data");

// GOV.UK palette colours, with a different dash and point shape per line so that colour is never the
// only way to tell them apart. Figures counted from registers are drawn dotted.
const COLOURS = ["#1d70b8", "#00703c", "#4c2c92", "#f47738", "#912b88", "#28a197", "#505a5f", "#b58840"];
const POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "cross", "rectRounded"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function periodLabel(isoDate) {
  const [year, month] = isoDate.split("-").map(Number);
  return `${MONTHS[month - 1]} ${year}`;
}

function draw(Chart, canvas, data) {
  const datasets = data.series.map((series, index) => ({
    label: series.label,
    data: series.data,
    borderColor: COLOURS[index % COLOURS.length],
    backgroundColor: COLOURS[index % COLOURS.length],
    borderDash: series.source === "registers" ? [2, 3] : index >= COLOURS.length ? [6, 3] : [],
    pointStyle: POINTS[index % POINTS.length],
    pointRadius: 4,
    borderWidth: 2,
    spanGaps: true,
    tension: 0,
  }));
  datasets.push({
    label: `Target (${data.target}%)`,
    data: data.labels.map(() => data.target),
    borderColor: "#d4351c",
    backgroundColor: "#d4351c",
    borderDash: [8, 4],
    borderWidth: 2,
    pointRadius: 0,
  });
  return new Chart(canvas, {
    type: "line",
    data: { labels: data.labels.map(periodLabel), datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        y: {
          min: 0,
          max: 100,
          title: { display: true, text: "Percent" },
          ticks: { callback: (value) => `${value}%` },
        },
        x: { title: { display: true, text: "Period ending" } },
      },
      plugins: {
        title: { display: true, text: data.title },
        legend: { position: "bottom", labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? "no figure" : `${item.parsed.y}%`}`,
          },
        },
      },
    },
  });
}

if (source && window.Chart) {
  const charts = JSON.parse(source.textContent);
  const drawn = charts.map((data, index) => {
    const canvas = document.getElementById(`board-chart-${index}`);
    return canvas ? draw(window.Chart, canvas, data) : null;
  });
  // Redraw at the printed width, so a printed chart is neither cut off nor blurred.
  window.addEventListener("beforeprint", () => drawn.forEach((chart) => chart && chart.resize()));
  window.addEventListener("afterprint", () => drawn.forEach((chart) => chart && chart.resize()));
}
