// Charts of the people-facing pages: the home page's headline chart, a model's
// timeline and an organization's models. Each draws with Vega-Lite (the copy
// datasette-dashboards ships) as SVG, from rows the page fetched or embedded.
(function () {
  "use strict";

  function draw(el, spec) {
    return vegaEmbed(el, spec, { renderer: "svg", actions: false }).catch(function (err) {
      el.textContent = "The chart could not be drawn: " + err;
    });
  }

  function embedded(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  // From first release to open weights: one bar per model.
  function lagBars(rows, options) {
    options = options || {};
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      width: "container",
      height: { step: 16 },
      data: { values: rows },
      mark: { type: "bar", cornerRadius: 2, tooltip: true },
      encoding: {
        y: { field: "name", type: "nominal", sort: null, title: null, axis: { labelLimit: 400 } },
        x: { field: options.start || "first_public_date", type: "temporal", title: null,
             axis: { format: "%Y", tickCount: "year" } },
        x2: { field: options.end || "open_weights_date" },
        color: { field: options.color || "organization", type: "nominal",
                 title: options.colorTitle || "organization",
                 scale: options.scale || { scheme: "tableau20" } },
        href: options.href ? { field: options.href } : undefined,
        tooltip: options.tooltip
      }
    };
  }

  window.owlCharts = {
    // Home page: models whose weights came late, fetched from the opened_later query.
    headline: function (el) {
      fetch(el.dataset.source).then(function (r) { return r.json(); }).then(function (rows) {
        rows.forEach(function (r) { r.page = "/model/" + r.model_id; });
        rows.sort(function (a, b) { return a.first_public_date < b.first_public_date ? -1 : 1; });
        el.dataset.rows = rows.length;
        draw(el, lagBars(rows, {
          href: "page",
          tooltip: [{ field: "name" }, { field: "organization" },
                    { field: "first_public_date", title: "first public" },
                    { field: "open_weights_date", title: "open weights" },
                    { field: "lag_days", title: "days later" }]
        }));
      });
    },
    // A model page: each event a point in its lane, each pledge a bar.
    model: function (el) {
      var rows = embedded("timeline-data");
      draw(el, {
        $schema: "https://vega.github.io/schema/vega-lite/v5.json",
        width: "container",
        data: { values: rows },
        layer: [
          { transform: [{ filter: "datum.kind === 'pledge'" }],
            mark: { type: "bar", height: 10, cornerRadius: 2, tooltip: true, color: "#f4a259" },
            encoding: { y: { field: "lane", type: "nominal", title: null,
                             sort: ["releases", "weights", "components", "pledges"] },
                        x: { field: "start", type: "temporal", title: null, axis: { format: "%b %Y" } },
                        x2: { field: "end" },
                        tooltip: [{ field: "label" }, { field: "start", title: "made on" },
                                  { field: "end", title: "until" }] } },
          { transform: [{ filter: "datum.kind === 'event'" }],
            mark: { type: "point", filled: true, size: 90, tooltip: true },
            encoding: { y: { field: "lane", type: "nominal", title: null,
                             sort: ["releases", "weights", "components", "pledges"] },
                        x: { field: "start", type: "temporal", title: null },
                        color: { field: "lane", type: "nominal", legend: null },
                        tooltip: [{ field: "label", title: "event" }, { field: "start", title: "date" },
                                  { field: "precision" }] } }
        ]
      });
    },
    // An organization page: each model from first release to open weights
    // (closed ones to the package's as_of date), coloured by release pattern.
    organization: function (el) {
      var rows = embedded("chart-data");
      rows.forEach(function (r) { r.page = "/model/" + r.model_id; });
      draw(el, lagBars(rows, {
        end: "until", color: "release_pattern", colorTitle: "release pattern", href: "page",
        scale: { domain: ["open at launch", "opened later", "gated only", "partial only", "leaked only", "closed"],
                 range: ["#2ca02c", "#f28e2b", "#9467bd", "#8c564b", "#e377c2", "#9d9d9d"] },
        tooltip: [{ field: "name" }, { field: "release_pattern", title: "pattern" },
                  { field: "first_public_date", title: "first public" },
                  { field: "open_weights_date", title: "open weights" },
                  { field: "lag_days", title: "days later" }]
      }));
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-owl-chart]").forEach(function (el) {
      window.owlCharts[el.dataset.owlChart](el);
    });
  });
})();
