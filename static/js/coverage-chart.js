// The percent-trained-by-quarter chart on the coverage page, drawn with Chart.js (loaded before this
// module from /vendor/chart.umd.min.js). The figures come from the page's JSON data block; the table
// beside the chart holds the same figures for anyone who cannot see it.

const canvas = document.getElementById("coverage-chart");
const source = document.getElementById("coverage-chart-data");

// GOV.UK palette colours, with a different dash and point shape per line so that colour is never the
// only way to tell them apart.
const COLOURS = ["#1d70b8", "#00703c", "#4c2c92", "#f47738", "#912b88", "#28a197", "#505a5f", "#b58840"];
const DASHES = [[], [6, 3], [2, 3], [10, 4, 2, 4]];
const POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "cross", "rectRounded"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function quarterLabel(isoDate) {
  const [year, month] = isoDate.split("-").map(Number);
  return `${MONTHS[month - 1]} ${year}`;
}

function draw(Chart, data) {
  const datasets = data.series.map((series, index) => ({
    label: series.label,
    data: series.data,
    borderColor: COLOURS[index % COLOURS.length],
    backgroundColor: COLOURS[index % COLOURS.length],
    borderDash: DASHES[Math.floor(index / COLOURS.length) % DASHES.length],
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
    data: { labels: data.labels.map(quarterLabel), datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        y: {
          min: 0,
          max: 100,
          title: { display: true, text: "Percent trained" },
          ticks: { callback: (value) => `${value}%` },
        },
        x: { title: { display: true, text: "Quarter ending" } },
      },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? "none required" : `${item.parsed.y}%`}`,
          },
        },
      },
    },
  });
}

if (canvas && source && window.Chart) {
  draw(window.Chart, JSON.parse(source.textContent));
}
