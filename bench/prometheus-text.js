// Reading Prometheus' text exposition in the benchmarks (they count from the services' own metrics).

/** Sum of a metric's samples whose labels include all of `labels`. */
function sum(text, name, labels = {}) {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

module.exports = { sum };
