// The parzen dashboard page. No build step, no framework.
//
// Safety rule for this file: every string that comes from a study (names, parameter values,
// attributes) reaches the DOM through textContent (see el()), never innerHTML; strings handed
// to plotly, which interprets a little HTML in labels, go through plotText() first.
(function () {
  "use strict";

  // How often the page asks for news; ?poll_ms=N overrides it (tests poll faster).
  const POLL_MS = Math.max(100, Number(new URLSearchParams(location.search).get("poll_ms")) || 2000);
  const STATES = ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"];
  const STATE_COLORS = {
    COMPLETE: "#1f77b4", PRUNED: "#f59e0b", FAIL: "#dc2626", RUNNING: "#16a34a", WAITING: "#6b7280",
  };
  const BLUES = [[0, "#dbe9f6"], [0.5, "#6baed6"], [1, "#08306b"]];
  // Early trials light, late ones dark, but every point visible on white.
  const TRIAL_BLUES = [[0, "#9ecae1"], [1, "#08306b"]];
  const app = document.getElementById("app");
  const crumbs = document.getElementById("crumbs");
  const live = document.getElementById("live");

  // -- DOM helpers ---------------------------------------------------------------------------

  // el("a", {href: "#/"}, "text", child) builds an element; children that are strings become
  // text nodes. Attribute names are fixed by this file, never taken from data.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  // plotly renders <b>, <br>, <a href> and entities in labels; escaping the three characters
  // that start markup makes it show data as the literal text it is.
  function plotText(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // -- formatting ----------------------------------------------------------------------------

  function fmtNumber(v) {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a >= 1e-4 && a < 1e7) return String(Number(v.toPrecision(6)));
    return v.toExponential(4);
  }

  function fmtValue(v) {
    if (v === undefined) return "";
    if (v === null) return "null";
    if (typeof v === "number") return fmtNumber(v);
    if (typeof v === "string") return v;
    if (typeof v === "boolean") return String(v);
    return JSON.stringify(v);
  }

  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return seconds.toFixed(seconds < 10 ? 2 : 1) + " s";
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds - 60 * m);
    if (m < 60) return m + "m " + s + "s";
    return Math.floor(m / 60) + "h " + (m % 60) + "m";
  }

  function fmtTime(iso) {
    return iso ? iso.replace("T", " ").slice(0, 19) : "";
  }

  function fmtDistribution(d) {
    if (!d) return "";
    const a = d.attributes || {};
    if (d.name === "CategoricalDistribution") {
      return "categorical: " + (a.choices || []).map(fmtValue).join(", ");
    }
    const kind = d.name === "IntDistribution" ? "int" : "float";
    let text = kind + " [" + fmtValue(a.low) + ", " + fmtValue(a.high) + "]";
    if (a.log) text += ", log";
    if (a.step !== null && a.step !== undefined && !(kind === "int" && a.step === 1)) {
      text += ", step " + fmtValue(a.step);
    }
    return text;
  }

  function stateBadge(state) {
    return el("span", {class: "badge " + (STATES.includes(state) ? state : "")}, state);
  }

  // -- fetching ------------------------------------------------------------------------------

  // Responses cached by URL with their ETag: polling sends If-None-Match, and a 304 means
  // "unchanged", so nothing is re-rendered.
  const responses = new Map();

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function getJSON(url) {
    const hit = responses.get(url);
    const headers = hit ? {"If-None-Match": hit.etag} : {};
    const response = await fetch(url, {headers: headers, cache: "no-store"});
    const stale = response.headers.get("X-Parzen-Stale") === "1";
    if (response.status === 304 && hit) return {data: hit.data, changed: false, stale: stale};
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      throw new ApiError(response.status, "The server sent no JSON (" + response.status + ").");
    }
    if (!response.ok) throw new ApiError(response.status, (data && data.error) || response.statusText);
    const etag = response.headers.get("ETag");
    if (etag) {
      responses.delete(url);
      responses.set(url, {etag: etag, data: data});
      if (responses.size > 300) responses.delete(responses.keys().next().value);
    }
    return {data: data, changed: true, stale: stale};
  }

  function setLive(ok, message) {
    live.className = "live " + (ok ? "ok" : "down");
    live.textContent = ok ? "live" : message || "offline";
  }

  // -- plotly --------------------------------------------------------------------------------

  let plotlyPromise = null;

  // plotly.js (4.8 MB) loads only when a page with charts opens.
  function loadPlotly() {
    if (!plotlyPromise) {
      plotlyPromise = new Promise(function (resolve) {
        if (window.Plotly) return resolve(window.Plotly);
        const script = el("script", {src: "/static/plotly.min.js"});
        script.addEventListener("load", function () { resolve(window.Plotly || null); });
        script.addEventListener("error", function () { resolve(null); });
        document.head.appendChild(script);
      });
    }
    return plotlyPromise;
  }

  const PLOT_CONFIG = {displayModeBar: false, responsive: true, displaylogo: false};

  function baseLayout(extra) {
    return Object.assign({
      margin: {l: 64, r: 24, t: 16, b: 48},
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      font: {family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", size: 12, color: "#1f2328"},
      uirevision: "keep",
      hovermode: "closest",
      showlegend: false,
    }, extra);
  }

  function axis(title, extra) {
    return Object.assign({title: {text: plotText(title)}, gridcolor: "#eef0f3", zeroline: false, automargin: true}, extra);
  }

  async function draw(node, traces, layout) {
    const Plotly = await loadPlotly();
    if (!Plotly) {
      clear(node).appendChild(el("p", {class: "empty"}, "Charts need plotly: pip install \"parzen[plotly]\""));
      return;
    }
    if (node.dataset.empty) {
      clear(node);
      delete node.dataset.empty;
    }
    await Plotly.react(node, traces, layout, PLOT_CONFIG);
  }

  function showEmpty(node, message) {
    if (window.Plotly && node.classList.contains("js-plotly-plot")) window.Plotly.purge(node);
    clear(node).appendChild(el("p", {class: "empty"}, message));
    node.dataset.empty = "1";
  }

  function onPointClick(node, handler) {
    if (node.dataset.clickBound) return;
    node.dataset.clickBound = "1";
    node.on("plotly_click", function (event) {
      const point = event && event.points && event.points[0];
      if (point) handler(point);
    });
  }

  // -- routing -------------------------------------------------------------------------------

  let view = null;

  function route() {
    if (view) view.stop();
    const hash = location.hash || "#/";
    let m;
    if ((m = hash.match(/^#\/studies\/(\d+)\/trials\/(\d+)$/))) {
      view = new TrialView(Number(m[1]), Number(m[2]));
    } else if ((m = hash.match(/^#\/studies\/(\d+)$/))) {
      view = new StudyView(Number(m[1]));
    } else {
      view = new StudyListView();
    }
    window.scrollTo(0, 0);
    view.start();
  }

  function setCrumbs(parts) {
    clear(crumbs);
    parts.forEach(function (part, i) {
      if (i) crumbs.appendChild(el("span", {class: "sep"}, "/"));
      crumbs.appendChild(part.href ? el("a", {href: part.href}, part.text) : el("span", {}, part.text));
    });
  }

  // A view polls its data every POLL_MS until stopped.
  class Poller {
    constructor() {
      this.stopped = false;
      this.timer = null;
    }
    start() {
      this.tick();
    }
    stop() {
      this.stopped = true;
      clearTimeout(this.timer);
    }
    async tick() {
      if (this.stopped) return;
      try {
        await this.refresh();
        if (!this.stopped) setLive(true);
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof ApiError && e.status === 404) {
          this.fatal(e.message);
          return;
        }
        setLive(false, e instanceof ApiError ? "error" : "offline");
        console.warn("parzen dashboard:", e);
      }
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), POLL_MS);
    }
    fatal(message) {
      this.stop();
      clear(app).appendChild(el("div", {class: "panel"},
        el("h1", {}, "Not found"), el("p", {class: "error"}, message), el("a", {href: "#/"}, "All studies")));
    }
  }

  // -- the study list ------------------------------------------------------------------------

  class StudyListView extends Poller {
    constructor() {
      super();
      this.search = "";
      this.data = null;
      this.tbody = el("tbody");
      this.note = el("span", {class: "note"});
      const input = el("input", {type: "search", placeholder: "Filter by name", "aria-label": "Filter studies by name"});
      input.addEventListener("input", () => { this.search = input.value.toLowerCase(); this.render(); });
      const head = el("tr", {},
        ["Study", "Direction", "Trials", "Complete", "Pruned", "Fail", "Running", "Best", "Started"].map(
          (h) => el("th", {}, h)));
      clear(app).appendChild(el("div", {class: "panel"},
        el("div", {class: "panel-head"}, el("h1", {}, "Studies"), this.note),
        el("div", {class: "toolbar"}, input),
        el("div", {class: "table-wrap"}, el("table", {class: "data", id: "study-list"}, el("thead", {}, head), this.tbody))));
      setCrumbs([{text: "Studies"}]);
      document.title = "parzen dashboard";
    }
    async refresh() {
      const {data, changed} = await getJSON("/api/studies");
      if (changed || !this.data) {
        this.data = data;
        this.render();
      }
    }
    render() {
      const studies = (this.data ? this.data.studies : []).filter(
        (s) => !this.search || s.name.toLowerCase().includes(this.search));
      clear(this.tbody);
      this.note.textContent = this.data ? this.data.studies.length + " in this storage" : "";
      if (!studies.length) {
        this.tbody.appendChild(el("tr", {}, el("td", {colspan: 9, class: "muted"},
          this.data && this.data.studies.length ? "No study matches." : "No studies yet.")));
        return;
      }
      for (const s of studies) {
        const href = "#/studies/" + s.study_id;
        this.tbody.appendChild(el("tr", {class: "clickable", onclick: () => { location.hash = href; }},
          el("td", {}, el("a", {href: href, class: "study-name"}, s.name)),
          el("td", {}, s.directions.join(", ")),
          el("td", {class: "num"}, s.n_trials),
          el("td", {class: "num"}, s.counts.COMPLETE),
          el("td", {class: "num"}, s.counts.PRUNED),
          el("td", {class: "num"}, s.counts.FAIL),
          el("td", {class: "num"}, s.counts.RUNNING),
          el("td", {class: "num"}, bestText(s)),
          el("td", {}, fmtTime(s.datetime_start))));
      }
    }
  }

  function bestText(s) {
    if (!s.best) return "";
    if (s.best.pareto_front_size !== undefined) return s.best.pareto_front_size + " on the Pareto front";
    return fmtValue(s.best.value) + " (#" + s.best.number + ")";
  }

  // -- a study -------------------------------------------------------------------------------

  // Table settings survive a visit to a trial's page and back.
  const tableStates = new Map();

  class StudyView extends Poller {
    constructor(studyId) {
      super();
      this.id = studyId;
      this.base = "/api/studies/" + studyId;
      this.detail = null;
      this.objective = 0;
      this.paretoX = 0;
      this.paretoY = 1;
      this.table = tableStates.get(studyId) ||
        {sort: "number", order: "asc", states: [], filters: [], offset: 0, limit: 200};
      tableStates.set(studyId, this.table);
      this.built = false;
      setCrumbs([{text: "Studies", href: "#/"}, {text: "…"}]);
      clear(app).appendChild(el("p", {class: "muted"}, "Loading…"));
    }

    async refresh() {
      const {data, changed} = await getJSON(this.base);
      if (!changed && this.built) {
        // A plot the server sent stale (it rebuilds big plots at a bounded rate): ask again.
        const stale = Object.keys(this.charts).filter((key) => this.charts[key].stale);
        if (stale.length) await this.refreshPlots(stale);
        return;
      }
      this.detail = data;
      if (!this.built) this.build();
      this.renderHeader();
      await Promise.all([this.refreshPlots(), this.refreshTable()]);
    }

    build() {
      const d = this.detail;
      this.built = true;
      document.title = d.name + " · parzen dashboard";
      setCrumbs([{text: "Studies", href: "#/"}, {text: d.name}]);
      const multi = d.directions.length > 1;
      this.header = el("div", {class: "panel", id: "study-header"});
      this.charts = {};
      const chart = (key, title, cls, note) => {
        const node = el("div", {class: "chart " + (cls || ""), id: "chart-" + key});
        const noteNode = el("span", {class: "note"}, note || "");
        const panel = el("section", {class: "panel", id: "section-" + key},
          el("div", {class: "panel-head"}, el("h2", {}, title), noteNode), node);
        this.charts[key] = {node: node, note: noteNode, panel: panel};
        return panel;
      };
      const sectionButtons = el("div", {class: "sections"});
      const sections = [
        ["history", "History"], ["intermediate", "Learning curves"], ["parallel", "Parallel coordinates"],
        ["slice", "Slice"], ["importance", "Importance"],
      ];
      if (multi) sections.push(["pareto", "Pareto front"]);
      else sections.push(["terminator", "Terminator"]);
      sections.push(["trials", "Trials"]);
      for (const [key, title] of sections) {
        sectionButtons.appendChild(el("button", {type: "button", onclick: () => {
          const target = document.getElementById("section-" + key);
          if (target) target.scrollIntoView({behavior: "smooth", block: "start"});
        }}, title));
      }
      const slicesNode = el("div", {class: "slices", id: "chart-slice"});
      const slicesNote = el("span", {class: "note"});
      const slicePanel = el("section", {class: "panel", id: "section-slice"},
        el("div", {class: "panel-head"}, el("h2", {}, "Slice"), slicesNote), slicesNode);
      this.charts.slice = {node: slicesNode, note: slicesNote, panel: slicePanel};
      const rows = [
        el("div", {class: "grid-2"}, chart("history", "Optimization history"), chart("intermediate", "Learning curves")),
        el("div", {class: "grid-2"}, chart("parallel", "Parallel coordinates", "tall"), chart("importance", "Parameter importances", "tall")),
        slicePanel,
      ];
      if (multi) rows.push(chart("pareto", "Pareto front", "tall"));
      else rows.push(chart("terminator", "Terminator: room for improvement"));
      this.tableSection = el("section", {class: "panel", id: "section-trials"});
      clear(app).append(this.header, sectionButtons, el("div", {class: "stack"}, rows), this.tableSection);
      this.buildTable();
    }

    // The header's live part (counts, best) is rebuilt on each change; the controls and the
    // attributes are kept, so that an open drop-down or <details> survives the update.
    renderHeader() {
      const d = this.detail;
      const multi = d.directions.length > 1;
      if (!this.headerParts) {
        const parts = this.headerParts = {
          live: el("div"),
          attrs: el("div"),
          attrsKey: null,
        };
        const children = [el("h1", {id: "study-name"}, d.name), parts.live];
        if (multi) {
          const select = el("select", {"aria-label": "Objective", id: "objective-select"});
          d.objective_labels.forEach((label, i) => select.appendChild(el("option", {value: i, selected: i === this.objective}, label)));
          select.addEventListener("change", () => { this.objective = Number(select.value); this.refreshPlots(); });
          children.push(el("div", {class: "toolbar"}, el("label", {class: "objective-picker"}, "Objective for history, slice and parallel plots:", select)));
        }
        children.push(parts.attrs);
        clear(this.header).append(...children);
      }
      const parts = this.headerParts;
      const counts = el("div", {class: "counts"}, el("span", {class: "muted"}, d.n_trials + " trials:"));
      for (const state of STATES) {
        if (d.counts[state]) counts.appendChild(el("span", {class: "badge " + state}, state.toLowerCase() + " " + d.counts[state]));
      }
      const item = (k, v, id) => el("div", {class: "item"}, el("span", {class: "k"}, k), el("span", {class: "v", id: id}, v));
      const summary = el("div", {class: "summary"},
        item(multi ? "Directions" : "Direction",
          d.directions.map((dir, i) => (multi ? d.objective_labels[i] + ": " : "") + dir).join(", ")),
        item(multi ? "Pareto front" : "Best value", bestText(d) || "none yet", "best-value"),
        item("Started", fmtTime(d.datetime_start) || "not yet"));
      if (!multi && d.best) {
        summary.appendChild(item("Best trial", "", "best-trial"));
        summary.lastChild.lastChild.appendChild(el("a", {href: "#/studies/" + this.id + "/trials/" + d.best.number}, "#" + d.best.number));
      }
      clear(parts.live).append(counts, summary);
      const attrs = Object.entries(d.user_attrs || {});
      const attrsKey = JSON.stringify(attrs);
      if (attrsKey !== parts.attrsKey) {
        parts.attrsKey = attrsKey;
        const open = parts.attrs.querySelector("details") && parts.attrs.querySelector("details").open;
        clear(parts.attrs);
        if (attrs.length) {
          parts.attrs.appendChild(el("details", {open: open}, el("summary", {}, "Study attributes (" + attrs.length + ")"),
            kvTable(attrs.map(([k, v]) => [k, fmtValue(v)]))));
        }
      }
      if (!window.Plotly && !this.plotlyChecked) {
        this.plotlyChecked = true;
        loadPlotly().then((Plotly) => {
          if (!Plotly) this.header.after(el("div", {class: "no-charts"}, "Charts need plotly on the server: pip install \"parzen[plotly]\""));
        });
      }
    }

    // -- charts --

    async refreshPlots(only) {
      const d = this.detail;
      const q = "?objective=" + this.objective;
      const plots = {
        history: ["/plots/history" + q, (data) => this.drawHistory(data)],
        intermediate: ["/plots/intermediate", (data) => this.drawIntermediate(data)],
        parallel: ["/plots/parallel" + q, (data) => this.drawParallel(data)],
        slice: ["/plots/slice" + q, (data) => this.drawSlices(data)],
        importance: ["/plots/importance", (data) => this.drawImportance(data)],
      };
      if (d.directions.length > 1) {
        plots.pareto = ["/plots/pareto?x=" + this.paretoX + "&y=" + this.paretoY, (data) => this.drawPareto(data)];
      } else {
        plots.terminator = ["/plots/terminator", (data) => this.drawTerminator(data)];
      }
      const keys = (only || Object.keys(plots)).filter((key) => plots[key]);
      await Promise.all(keys.map((key) => this.plot(key, plots[key][0], plots[key][1])));
    }

    async plot(key, path, render) {
      const chart = this.charts[key];
      try {
        const {data, changed, stale} = await getJSON(this.base + path);
        chart.stale = stale;
        if (this.stopped || (!changed && chart.drawn === path)) return;
        chart.drawn = path;
        await render(data);
      } catch (e) {
        if (e instanceof ApiError && e.status !== 404) showEmpty(chart.node, e.message);
        else throw e;
      }
    }

    gotoTrial(number) {
      location.hash = "#/studies/" + this.id + "/trials/" + number;
    }

    async drawHistory(data) {
      const c = this.charts.history;
      c.note.textContent = shownNote(data.n_shown, data.n_complete, "complete trials");
      if (!data.n_complete) return showEmpty(c.node, "No complete trials yet.");
      const traces = [{
        type: "scatter", mode: "markers", name: "trials", x: data.feasible.number, y: data.feasible.value,
        marker: {color: STATE_COLORS.COMPLETE, size: 6, opacity: 0.75},
        hovertemplate: "Trial %{x}<br>%{y}<extra></extra>",
      }];
      if (data.infeasible.number.length) {
        traces.push({
          type: "scatter", mode: "markers", name: "infeasible", x: data.infeasible.number, y: data.infeasible.value,
          marker: {color: "#c4c7cc", size: 6}, hovertemplate: "Trial %{x} (infeasible)<br>%{y}<extra></extra>",
        });
      }
      if (data.best.number.length) {
        traces.push({
          type: "scatter", mode: "lines", name: "best", x: data.best.number, y: data.best.value,
          line: {color: "#dc2626", width: 2, shape: "hv"}, hoverinfo: "skip",
        });
      }
      await draw(c.node, traces, baseLayout({xaxis: axis("Trial"), yaxis: axis(data.label)}));
      onPointClick(c.node, (p) => { if (p.data.name !== "best") this.gotoTrial(p.x); });
    }

    async drawIntermediate(data) {
      const c = this.charts.intermediate;
      c.note.textContent = data.n_with_values
        ? shownNote(data.n_shown, data.n_with_values, "trials with intermediate values", "running and latest")
        : "";
      if (!data.curves.length) return showEmpty(c.node, "No trial has reported intermediate values.");
      const traces = data.curves.map((curve) => ({
        type: "scatter", mode: curve.steps.length > 1 ? "lines" : "markers", name: "#" + Number(curve.number),
        x: curve.steps, y: curve.values, customdata: curve.steps.map(() => Number(curve.number)),
        line: {color: STATE_COLORS[curve.state] || "#888", width: curve.state === "RUNNING" ? 2.5 : 1.2},
        opacity: curve.state === "RUNNING" ? 1 : 0.55,
        hovertemplate: "Trial %{customdata}<br>step %{x}<br>%{y}<extra></extra>",
      }));
      await draw(c.node, traces, baseLayout({xaxis: axis("Step"), yaxis: axis("Intermediate value")}));
      onPointClick(c.node, (p) => this.gotoTrial(p.customdata));
    }

    async drawParallel(data) {
      const c = this.charts.parallel;
      let note = shownNote(data.n_shown, data.n_complete, "complete trials", "best half and an even sample");
      if (data.omitted_params.length) note += "; without " + data.omitted_params.length + " conditional parameter(s)";
      c.note.textContent = note;
      if (!data.n_complete) return showEmpty(c.node, "No complete trials yet.");
      const axes = data.axes;
      const n = data.numbers.length;
      const unit = (a, v) => (a.range[1] === a.range[0] ? 0.5 : (v - a.range[0]) / (a.range[1] - a.range[0]));
      const objective = axes[axes.length - 1];
      const minimize = data.direction === "minimize";
      const bins = 8;
      const binned = Array.from({length: bins}, () => ({x: [], y: []}));
      for (let i = 0; i < n; i++) {
        let t = unit(objective, objective.values[i]);
        if (minimize) t = 1 - t; // 1 = best
        const b = Math.min(bins - 1, Math.floor(t * bins));
        const line = binned[b];
        axes.forEach((a, j) => { line.x.push(j); line.y.push(unit(a, a.values[i])); });
        line.x.push(null); line.y.push(null);
      }
      const traces = binned.map((line, b) => ({
        type: "scatter", mode: "lines", x: line.x, y: line.y, hoverinfo: "skip",
        // Many lines: fainter each, so that where they bunch up still shows.
        line: {color: blue((b + 0.5) / bins), width: 1},
        opacity: (0.35 + 0.5 * (b / (bins - 1))) * Math.max(0.3, Math.min(1, 12 / Math.sqrt(n))),
      }));
      // An invisible point carries the colour bar of the objective.
      traces.push({
        type: "scatter", mode: "markers", x: [0], y: [-1], hoverinfo: "skip",
        marker: {color: objective.range, colorscale: BLUES, reversescale: minimize, opacity: 0, showscale: true,
          colorbar: {title: {text: plotText(objective.name)}, thickness: 12, len: 0.9}},
      });
      const shapes = axes.map((a, j) => ({type: "line", x0: j, x1: j, y0: 0, y1: 1, line: {color: "#475467", width: 1}}));
      const annotations = [];
      axes.forEach((a, j) => {
        annotations.push({x: j, y: 1.02, yanchor: "bottom", text: plotText(a.name), showarrow: false,
          font: {size: 11, weight: 600}, textangle: axes.length > 6 ? -20 : 0});
        for (const [pos, label] of a.ticks) {
          annotations.push({x: j, y: unit(a, pos), xanchor: "right", xshift: -3, text: plotText(label),
            showarrow: false, font: {size: 9, color: "#475467"}, bgcolor: "rgba(255,255,255,0.75)", borderpad: 1});
        }
      });
      const layout = baseLayout({
        margin: {l: 56, r: 24, t: 40, b: 16}, hovermode: false, shapes: shapes, annotations: annotations,
        xaxis: {visible: false, range: [-0.4, axes.length - 0.8], fixedrange: true},
        yaxis: {visible: false, range: [-0.04, 1.1], fixedrange: true},
      });
      await draw(c.node, traces, layout);
    }

    async drawSlices(data) {
      const c = this.charts.slice;
      c.note.textContent = shownNote(data.n_shown, data.n_complete, "complete trials", "best half and an even sample") +
        (data.params.length ? "; colour: trial number" : "");
      if (!data.n_complete || !data.params.length) {
        return showEmpty(c.node, data.n_complete ? "The trials have no parameters." : "No complete trials yet.");
      }
      delete c.node.dataset.empty;
      // One small chart per parameter, reused across updates while the parameters stay the same.
      const names = data.params.map((p) => p.name);
      if (!c.slots || c.slots.names.join("\u0000") !== names.join("\u0000")) {
        clear(c.node);
        c.slots = {names: names, nodes: names.map(() => el("div", {class: "chart small"}))};
        c.slots.nodes.forEach((node) => c.node.appendChild(node));
      }
      await Promise.all(data.params.map((p, i) => {
        const node = c.slots.nodes[i];
        const categorical = p.kind === "categorical";
        // x is aligned with the shared numbers and values, null where a trial lacks p.
        const xs = [], ys = [], numbers = [];
        p.x.forEach((x, j) => {
          if (x === null) return;
          xs.push(categorical ? plotText(x) : x);
          ys.push(data.values[j]);
          numbers.push(data.numbers[j]);
        });
        const xaxis = axis(p.name, categorical
          ? {type: "category", categoryorder: "array", categoryarray: p.categories.map(plotText)}
          : {type: p.log ? "log" : "linear"});
        const trace = {
          type: "scatter", mode: "markers", x: xs, y: ys, customdata: numbers,
          marker: {color: numbers, colorscale: TRIAL_BLUES, size: 6, opacity: 0.85, line: {width: 0.5, color: "#ffffff"}},
          hovertemplate: "Trial %{customdata}<br>%{x}<br>%{y}<extra></extra>",
        };
        return draw(node, [trace], baseLayout({margin: {l: 56, r: 12, t: 10, b: 44}, xaxis: xaxis, yaxis: axis(data.label)}))
          .then(() => onPointClick(node, (pt) => this.gotoTrial(pt.customdata)));
      }));
    }

    async drawImportance(data) {
      const c = this.charts.importance;
      c.note.textContent = data.n_used !== undefined && data.n_used < data.n_complete
        ? "PED-ANOVA over an even sample of " + data.n_used + " of " + data.n_complete + " complete trials"
        : "PED-ANOVA over " + data.n_complete + " complete trials";
      if (data.error || !data.objectives.length) return showEmpty(c.node, data.error || "Nothing to evaluate yet.");
      const names = data.objectives[0].importances.map((x) => x.name);
      if (!names.length) return showEmpty(c.node, "The trials have no parameters.");
      const order = names.slice().reverse();
      const colors = ["#1f77b4", "#f59e0b", "#16a34a", "#9333ea", "#dc2626", "#0891b2"];
      const traces = data.objectives.map((o, k) => {
        const byName = new Map(o.importances.map((x) => [x.name, x.importance]));
        return {
          type: "bar", orientation: "h", name: plotText(o.label),
          x: order.map((n) => byName.get(n) || 0), y: order.map(plotText),
          marker: {color: colors[k % colors.length]},
          texttemplate: "%{x:.3f}", textposition: "outside", cliponaxis: false,
          hovertemplate: "%{y}: %{x:.3f}<extra></extra>",
        };
      });
      const multi = data.objectives.length > 1;
      await draw(c.node, traces, baseLayout({
        barmode: "group", showlegend: multi, legend: {orientation: "h", x: 0, y: 1.02, yanchor: "bottom", traceorder: "normal"},
        xaxis: axis("Importance", {rangemode: "tozero"}), yaxis: axis("", {type: "category"}),
        margin: {l: 64, r: 48, t: multi ? 30 : 10, b: 48},
      }));
    }

    // The regret bound of parzen.terminator after each trial; with cross-validation scores, the
    // error it is compared with: the terminator would stop where the bound falls below it.
    async drawTerminator(data) {
      const c = this.charts.terminator;
      c.note.textContent = data.number.length ? "regret bound at " + data.number.length + " of " + data.n_complete + " complete trials" : "";
      if (data.message) return showEmpty(c.node, data.message);
      if (!data.number.length) return showEmpty(c.node, "No complete trials yet.");
      const traces = [{
        type: "scatter", mode: "lines+markers", name: "improvement (regret bound)", x: data.number, y: data.improvement,
        line: {color: STATE_COLORS.COMPLETE}, hovertemplate: "Trial %{x}<br>%{y}<extra></extra>",
      }];
      if (data.error) {
        traces.push({
          type: "scatter", mode: "lines", name: "error (cross-validation)", x: data.number, y: data.error,
          line: {color: "#dc2626", dash: "dash"}, hovertemplate: "Trial %{x}<br>error %{y}<extra></extra>",
        });
      }
      await draw(c.node, traces, baseLayout({
        showlegend: true, legend: {orientation: "h", x: 0, y: 1.02, yanchor: "bottom"},
        xaxis: axis("Trial"), yaxis: axis("Terminator improvement", {rangemode: "tozero"}),
        margin: {l: 56, r: 12, t: 30, b: 44},
      }));
    }

    async drawPareto(data) {
      const c = this.charts.pareto;
      c.note.textContent = data.n_front + " of " + data.n_complete + " complete trials on the front";
      if (data.labels.length > 2 && !c.picker) {
        const pick = (current, onChange) => {
          const select = el("select", {});
          data.labels.forEach((label, i) => select.appendChild(el("option", {value: i, selected: i === current}, label)));
          select.addEventListener("change", () => onChange(Number(select.value)));
          return select;
        };
        c.picker = el("span", {class: "objective-picker"}, "x:",
          pick(this.paretoX, (v) => { this.paretoX = v; this.refreshPlots(); }), "y:",
          pick(this.paretoY, (v) => { this.paretoY = v; this.refreshPlots(); }));
        c.note.after(c.picker);
      }
      if (!data.n_complete) return showEmpty(c.node, "No complete trials yet.");
      const series = (points, name, color, size) => ({
        type: "scatter", mode: "markers", name: name, x: points.x, y: points.y, customdata: points.number,
        marker: {color: color, size: size}, hovertemplate: "Trial %{customdata}<br>%{x}, %{y}<extra></extra>",
      });
      const traces = [
        series(data.infeasible, "infeasible", "#c4c7cc", 6),
        series(data.dominated, "dominated", "#93b4dc", 6),
        series(data.front, "Pareto front", "#dc2626", 8),
      ];
      await draw(c.node, traces, baseLayout({
        showlegend: true, legend: {orientation: "h", y: -0.18},
        xaxis: axis(data.x_label), yaxis: axis(data.y_label),
      }));
      onPointClick(c.node, (p) => this.gotoTrial(p.customdata));
    }

    // -- the trial table --

    buildTable() {
      const t = this.table;
      const stateBoxes = el("span", {class: "toolbar"}, el("span", {class: "muted"}, "States:"));
      for (const state of STATES) {
        const box = el("input", {type: "checkbox", checked: t.states.includes(state), "data-state": state});
        box.addEventListener("change", () => {
          t.states = STATES.filter((s) => stateBoxes.querySelector("input[data-state='" + s + "']").checked);
          t.offset = 0;
          this.refreshTable();
        });
        stateBoxes.appendChild(el("label", {}, box, state.toLowerCase()));
      }
      this.filterColumn = el("select", {"aria-label": "Filter column", id: "filter-column"});
      this.filterOp = el("select", {"aria-label": "Filter operator", id: "filter-op"},
        ["=", "!=", "<", "<=", ">", ">=", "contains"].map((op) => el("option", {value: op}, op)));
      this.filterValue = el("input", {type: "text", placeholder: "value", "aria-label": "Filter value", id: "filter-value"});
      const add = () => {
        if (!this.filterColumn.value) return;
        t.filters.push({column: this.filterColumn.value, op: this.filterOp.value, value: this.filterValue.value});
        this.filterValue.value = "";
        t.offset = 0;
        this.refreshTable();
      };
      this.filterValue.addEventListener("keydown", (e) => { if (e.key === "Enter") add(); });
      this.chips = el("div", {class: "chips"});
      this.tableHead = el("thead");
      this.tableBody = el("tbody");
      this.pageNote = el("span", {class: "muted", id: "page-note"});
      this.prev = el("button", {type: "button", id: "prev-page"}, "‹ Previous");
      this.next = el("button", {type: "button", id: "next-page"}, "Next ›");
      this.prev.addEventListener("click", () => { t.offset = Math.max(0, t.offset - t.limit); this.refreshTable(); });
      this.next.addEventListener("click", () => { t.offset += t.limit; this.refreshTable(); });
      const size = el("select", {"aria-label": "Rows per page"},
        [50, 200, 1000].map((n) => el("option", {value: n, selected: n === t.limit}, n + " rows")));
      size.addEventListener("change", () => { t.limit = Number(size.value); t.offset = 0; this.refreshTable(); });
      clear(this.tableSection).append(
        el("div", {class: "panel-head"}, el("h2", {}, "Trials"), el("span", {class: "note"}, "Click a header to sort, a row to open the trial.")),
        el("div", {class: "toolbar"}, stateBoxes),
        el("div", {class: "toolbar"}, el("span", {class: "muted"}, "Filter:"), this.filterColumn, this.filterOp, this.filterValue,
          el("button", {type: "button", onclick: add, id: "add-filter"}, "Add filter"), this.chips),
        el("div", {class: "table-wrap"}, el("table", {class: "data", id: "trials-table"}, this.tableHead, this.tableBody)),
        el("div", {class: "pager"}, this.prev, this.pageNote, this.next, size));
    }

    async refreshTable() {
      const t = this.table;
      const d = this.detail;
      const params = new URLSearchParams({offset: t.offset, limit: t.limit, sort: t.sort, order: t.order});
      if (t.states.length) params.set("state", t.states.join(","));
      if (t.filters.length) params.set("filters", JSON.stringify(t.filters));
      const key = params.toString() + "|" + d.revision;
      let page;
      try {
        page = (await getJSON(this.base + "/trials?" + params.toString())).data;
      } catch (e) {
        if (e instanceof ApiError && e.status === 400) {
          // A filter or sort on a column that no longer exists: drop the settings.
          Object.assign(t, {sort: "number", order: "asc", filters: [], offset: 0});
          return this.refreshTable();
        }
        throw e;
      }
      if (this.stopped || key === this.tableKey) return;
      this.tableKey = key;
      if (page.total && t.offset >= page.total) {
        t.offset = Math.floor((page.total - 1) / t.limit) * t.limit;
        return this.refreshTable();
      }
      this.renderTable(page);
    }

    renderTable(page) {
      const t = this.table;
      const columns = this.detail.columns;
      // The filter's column choices, rebuilt only when the columns change (not to close the
      // drop-down while someone is choosing).
      const columnsKey = JSON.stringify(columns.map((c) => c.id));
      if (columnsKey !== this.columnsKey) {
        this.columnsKey = columnsKey;
        const previous = this.filterColumn.value;
        clear(this.filterColumn);
        for (const col of columns) {
          this.filterColumn.appendChild(el("option", {value: col.id, selected: col.id === previous},
            (col.group === "param" ? "param " : col.group === "user_attr" ? "attr " : "") + col.label));
        }
      }
      clear(this.chips);
      t.filters.forEach((f, i) => {
        const col = columns.find((c) => c.id === f.column);
        this.chips.appendChild(el("span", {class: "chip", title: f.column},
          (col ? col.label : f.column) + " " + f.op + " " + f.value,
          el("button", {type: "button", "aria-label": "Remove filter", onclick: () => {
            t.filters.splice(i, 1);
            t.offset = 0;
            this.refreshTable();
          }}, "×")));
      });
      const headRow = el("tr");
      for (const col of columns) {
        const arrow = t.sort === col.id ? (t.order === "asc" ? " ▲" : " ▼") : "";
        const group = col.group === "param" ? "param" : col.group === "user_attr" ? "user attr" : "";
        headRow.appendChild(el("th", {class: "sortable", "data-column": col.id, onclick: () => {
          if (t.sort === col.id) t.order = t.order === "asc" ? "desc" : "asc";
          else { t.sort = col.id; t.order = "asc"; }
          t.offset = 0;
          this.refreshTable();
        }}, group ? el("span", {class: "group"}, group) : null, col.label + arrow));
      }
      clear(this.tableHead).appendChild(headRow);
      clear(this.tableBody);
      if (!page.rows.length) {
        this.tableBody.appendChild(el("tr", {}, el("td", {colspan: columns.length, class: "muted"},
          page.n_trials ? "No trial matches." : "No trials yet.")));
      }
      for (const row of page.rows) {
        const href = "#/studies/" + this.id + "/trials/" + row.number;
        const tr = el("tr", {class: "clickable", "data-number": row.number, onclick: (e) => {
          if (!(e.target instanceof HTMLAnchorElement)) location.hash = href;
        }});
        for (const col of columns) tr.appendChild(this.cell(col, row, href));
        this.tableBody.appendChild(tr);
      }
      const first = page.total ? page.offset + 1 : 0;
      const last = page.offset + page.rows.length;
      this.pageNote.textContent = first + "–" + last + " of " + page.total +
        (page.total !== page.n_trials ? " (filtered from " + page.n_trials + ")" : "");
      this.prev.disabled = page.offset === 0;
      this.next.disabled = last >= page.total;
    }

    cell(col, row, href) {
      const id = col.id;
      if (id === "number") return el("td", {class: "num"}, el("a", {href: href}, "#" + row.number));
      if (id === "state") return el("td", {}, stateBadge(row.state));
      if (id === "duration") return el("td", {class: "num"}, fmtDuration(row.duration));
      if (id === "datetime_start" || id === "datetime_complete") return el("td", {}, fmtTime(row[id]));
      const sep = id.indexOf(":");
      const kind = id.slice(0, sep);
      const name = id.slice(sep + 1);
      let value;
      if (kind === "value") value = row.values ? row.values[Number(name)] : undefined;
      else if (kind === "param") value = Object.prototype.hasOwnProperty.call(row.params, name) ? row.params[name] : undefined;
      else if (kind === "user_attr") value = Object.prototype.hasOwnProperty.call(row.user_attrs, name) ? row.user_attrs[name] : undefined;
      const text = fmtValue(value);
      return el("td", {class: typeof value === "number" ? "num" : "", title: text.length > 40 ? text : null}, text);
    }
  }

  function shownNote(shown, total, what, how) {
    if (!total) return "";
    if (shown >= total) return total + " " + what;
    return "showing " + shown + " of " + total + " " + what + (how ? " (" + how + ")" : "");
  }

  function blue(t) {
    // t in [0, 1] → a blue from light to dark, matching BLUES.
    const light = [219, 233, 246], mid = [107, 174, 214], dark = [8, 48, 107];
    const [a, b, u] = t < 0.5 ? [light, mid, t / 0.5] : [mid, dark, (t - 0.5) / 0.5];
    const c = a.map((x, i) => Math.round(x + (b[i] - x) * u));
    return "rgb(" + c.join(",") + ")";
  }

  function kvTable(pairs) {
    const body = el("tbody");
    for (const [k, v] of pairs) body.appendChild(el("tr", {}, el("th", {}, k), el("td", {}, v instanceof Node ? v : String(v))));
    return el("table", {class: "data kv"}, body);
  }

  // -- a trial -------------------------------------------------------------------------------

  class TrialView extends Poller {
    constructor(studyId, number) {
      super();
      this.studyId = studyId;
      this.number = number;
      this.url = "/api/studies/" + studyId + "/trials/" + number;
      this.node = el("div", {id: "trial-detail"}, el("p", {class: "muted"}, "Loading…"));
      clear(app).appendChild(this.node);
      setCrumbs([{text: "Studies", href: "#/"}, {text: "…", href: "#/studies/" + studyId}, {text: "Trial " + number}]);
    }

    async refresh() {
      const {data, changed} = await getJSON(this.url);
      if (!changed && this.rendered) return;
      this.rendered = true;
      this.render(data);
    }

    render(t) {
      const studyHref = "#/studies/" + this.studyId;
      const sysOpen = Boolean(this.node.querySelector("details") && this.node.querySelector("details").open);
      setCrumbs([{text: "Studies", href: "#/"}, {text: t.study_name, href: studyHref}, {text: "Trial " + t.number}]);
      document.title = "Trial " + t.number + " · " + t.study_name + " · parzen dashboard";
      const values = (t.values || []).map((v, i) => [t.objective_labels[i] || "value", fmtValue(v)]);
      const overview = [
        ["State", stateBadge(t.state)],
        ...values,
        ["Started", fmtTime(t.datetime_start)],
        ["Completed", fmtTime(t.datetime_complete)],
        ["Duration", fmtDuration(t.duration)],
      ];
      if (t.constraints) overview.push(["Constraints", t.constraints.map(fmtValue).join(", ") + (t.feasible ? " (feasible)" : " (infeasible)")]);
      const paramRows = el("tbody");
      for (const p of t.params) {
        paramRows.appendChild(el("tr", {}, el("td", {}, p.name), el("td", {class: typeof p.value === "number" ? "num" : ""}, fmtValue(p.value)),
          el("td", {class: "muted"}, fmtDistribution(p.distribution))));
      }
      const attrs = Object.entries(t.user_attrs);
      const sys = Object.entries(t.system_attrs);
      const ivNode = el("div", {class: "chart", id: "trial-intermediate"});
      const children = [
        el("div", {class: "panel"},
          el("div", {class: "panel-head"}, el("h1", {}, "Trial " + t.number), stateBadge(t.state),
            el("a", {href: studyHref}, "← back to the study")),
          kvTable(overview)),
        el("div", {class: "grid-2"},
          el("section", {class: "panel"}, el("h2", {}, "Parameters"),
            t.params.length
              ? el("table", {class: "data", id: "trial-params"}, el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "Value"), el("th", {}, "Distribution"))), paramRows)
              : el("p", {class: "muted"}, "No parameters.")),
          el("section", {class: "panel"}, el("h2", {}, "User attributes"),
            attrs.length ? kvTable(attrs.map(([k, v]) => [k, el("pre", {}, typeof v === "string" ? v : JSON.stringify(v, null, 1))])) : el("p", {class: "muted"}, "None."))),
        el("section", {class: "panel"}, el("h2", {}, "Intermediate values"),
          t.intermediate_values.length ? ivNode : el("p", {class: "muted"}, "None reported.")),
        el("section", {class: "panel"}, el("h2", {}, "Artifacts"),
          (t.artifacts || []).length
            ? el("table", {class: "data", id: "trial-artifacts"},
              el("thead", {}, el("tr", {}, el("th", {}, "File name"), el("th", {}, "MIME type"), el("th", {}, "Encoding"), el("th", {}, "Artifact id"))),
              el("tbody", {}, ...t.artifacts.map((a) => el("tr", {},
                el("td", {}, t.artifact_downloads
                  ? el("a", {href: this.url + "/artifacts/" + encodeURIComponent(a.artifact_id), download: a.filename}, a.filename)
                  : a.filename),
                el("td", {}, a.mimetype),
                el("td", {class: "muted"}, a.encoding || "—"), el("td", {class: "mono"}, a.artifact_id)))))
            : el("p", {class: "muted"}, "None uploaded.")),
        el("section", {class: "panel"}, el("details", {open: sysOpen}, el("summary", {}, "System attributes (" + sys.length + ")"),
          sys.length ? kvTable(sys.map(([k, v]) => [k, el("pre", {}, JSON.stringify(v, null, 1))])) : el("p", {class: "muted"}, "None."))),
      ];
      clear(this.node).append(...children);
      if (t.intermediate_values.length) {
        const steps = t.intermediate_values.map((p) => p[0]);
        const vals = t.intermediate_values.map((p) => p[1]);
        draw(ivNode, [{type: "scatter", mode: steps.length > 1 ? "lines+markers" : "markers", x: steps, y: vals,
          line: {color: STATE_COLORS[t.state] || "#888"}, marker: {size: 5}, hovertemplate: "step %{x}<br>%{y}<extra></extra>"}],
        baseLayout({xaxis: axis("Step"), yaxis: axis("Intermediate value")}));
      }
    }
  }

  window.addEventListener("hashchange", route);
  route();
})();
