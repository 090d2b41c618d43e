// sohoa statistics dashboard: plain JS, charts drawn as inline SVG here
// (the server has no internet, so no chart library from a CDN). The range
// lives in the URL (?from=&to=&group=) so that reload and links work.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var SVG = "http://www.w3.org/2000/svg";
  var EN = {
    title: "Digitization statistics", searchlink: "Search", logout: "Sign out", from: "From", to: "To",
    group: "Table by", g_station: "Station", g_agency: "Agency", g_operator: "Operator", g_document_type: "Document type",
    g_day: "Day", show: "Show", needlogin: "Enter an access token with the admin role to see the statistics.",
    login: "Sign in", tokenph: "Access token",
    c_daily: "Pages uploaded per day, by station", c_daily_agency: "Pages uploaded per day, by agency",
    c_agency: "Pages by agency", c_station: "Pages by station",
    c_backlog: "Backlog: batches without a result yet, by upload day",
    c_time: "Time from upload to signed result (minutes), by day"
  };
  var VI = {};
  var COLORS = ["#8b1a1a", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#9aa0a6"];
  var en = localStorage.getItem("sohoa.lang") === "en";
  var msg = function (vi, eng) { return en ? eng : vi; };
  var data = null;

  function applyLang() {
    sohoaTranslate(en, EN, VI);
    document.title = en ? EN.title : VI.title;
    if (data) render();
  }

  var status = sohoaStatus, el = sohoaEl; // ui/dom.js
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function num(n) { return Number(n).toLocaleString(en ? "en-US" : "vi-VN"); }
  function pct(r) { return (r * 100).toLocaleString(en ? "en-US" : "vi-VN", { maximumFractionDigits: 1 }) + "%"; }
  function clock(s) {
    if (!s) return "–";
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, x = s % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (x < 10 ? "0" : "") + x;
  }
  // Today in Vietnam time (UTC+7), YYYY-MM-DD, and n days before.
  function vnDay(offsetDays) {
    return new Date(Date.now() + 7 * 3600e3 - offsetDays * 86400e3).toISOString().slice(0, 10);
  }
  function days(from, to) {
    var out = [], d = new Date(from + "T00:00:00Z"), end = new Date(to + "T00:00:00Z");
    for (var i = 0; d <= end && i < 800; i++) { out.push(d.toISOString().slice(0, 10)); d = new Date(d.getTime() + 86400e3); }
    return out;
  }
  function niceMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v))), f = v / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  // Vertical bars over days: series stacked, or lines when lines is true.
  function dayChart(box, labels, series, lines, unit) {
    box.innerHTML = "";
    // Drawn at the width shown, so that the labels keep their size on a phone.
    var W = Math.max(300, Math.round(box.clientWidth || 720)), H = 220, L = 44, B = 24, T = 8, R = 8, pw = W - L - R, ph = H - T - B;
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    var max = 0;
    labels.forEach(function (_, i) {
      var s = 0;
      series.forEach(function (sr) { s = lines ? Math.max(s, sr.values[i] || 0) : s + (sr.values[i] || 0); });
      max = Math.max(max, s);
    });
    if (max === 0) {
      svg.appendChild(svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty" }, msg("Chưa có số liệu", "No data yet")));
      box.appendChild(svg); return;
    }
    max = niceMax(max);
    for (var g = 0; g <= 4; g++) {
      var y = T + ph - ph * g / 4;
      svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e3e5ea" }));
      svg.appendChild(svgEl("text", { x: L - 4, y: y + 4, "text-anchor": "end" }, num(Math.round(max * g / 4 * 10) / 10)));
    }
    var step = pw / labels.length, every = Math.ceil(labels.length / Math.max(2, Math.floor(pw / 60)));
    labels.forEach(function (d, i) {
      if (i % every === 0) svg.appendChild(svgEl("text", { x: L + step * (i + 0.5), y: H - 6, "text-anchor": "middle" }, d.slice(5)));
    });
    series.forEach(function (sr, si) {
      if (lines) {
        var pts = [];
        labels.forEach(function (d, i) {
          if (sr.values[i]) pts.push((L + step * (i + 0.5)).toFixed(1) + "," + (T + ph - ph * sr.values[i] / max).toFixed(1));
        });
        if (pts.length) svg.appendChild(svgEl("polyline", { points: pts.join(" "), fill: "none", stroke: sr.color, "stroke-width": 2, "class": "line" }));
        labels.forEach(function (d, i) {
          if (!sr.values[i]) return;
          var c = svgEl("circle", { cx: L + step * (i + 0.5), cy: T + ph - ph * sr.values[i] / max, r: 3, fill: sr.color, "class": "point" });
          c.appendChild(svgEl("title", {}, d + " · " + sr.name + ": " + num(Math.round(sr.values[i] * 10) / 10) + (unit || "")));
          svg.appendChild(c);
        });
        return;
      }
      labels.forEach(function (d, i) {
        var v = sr.values[i] || 0;
        if (!v) return;
        var below = 0;
        for (var k = 0; k < si; k++) below += series[k].values[i] || 0;
        var h = ph * v / max, y = T + ph - ph * below / max - h;
        var r = svgEl("rect", { x: L + step * i + step * 0.12, y: y, width: Math.max(step * 0.76, 1), height: h, fill: sr.color, "class": "bar" });
        r.appendChild(svgEl("title", {}, d + " · " + sr.name + ": " + num(v)));
        svg.appendChild(r);
      });
    });
    box.appendChild(svg);
  }

  // Horizontal bars, largest first, at most 10.
  function hbars(box, rows, color) {
    box.innerHTML = "";
    rows = rows.slice().sort(function (a, b) { return b.value - a.value; }).slice(0, 10);
    var W = Math.max(280, Math.round(box.clientWidth || 360)), row = 24, H = Math.max(row * rows.length + 8, 40), L = 110;
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    if (!rows.length) {
      svg.appendChild(svgEl("text", { x: W / 2, y: 24, "text-anchor": "middle", "class": "empty" }, msg("Chưa có số liệu", "No data yet")));
      box.appendChild(svg); return;
    }
    var max = rows[0].value || 1;
    rows.forEach(function (r, i) {
      var y = 4 + i * row, w = (W - L - 50) * r.value / max;
      var label = r.label.length > 16 ? r.label.slice(0, 15) + "…" : r.label;
      svg.appendChild(svgEl("text", { x: L - 6, y: y + 15, "text-anchor": "end" }, label || "–"));
      var b = svgEl("rect", { x: L, y: y + 3, width: Math.max(w, 1), height: row - 8, fill: color, rx: 2, "class": "bar" });
      b.appendChild(svgEl("title", {}, (r.label || "–") + ": " + num(r.value)));
      svg.appendChild(b);
      svg.appendChild(svgEl("text", { x: L + w + 4, y: y + 15 }, num(r.value)));
    });
    box.appendChild(svg);
  }

  function legend(box, series) {
    box.innerHTML = "";
    series.forEach(function (s) {
      var span = el("span");
      var i = el("i"); i.style.background = s.color;
      span.appendChild(i); span.appendChild(document.createTextNode(s.name || "–"));
      box.appendChild(span);
    });
  }

  function kpis(t) {
    var box = $("kpis");
    box.innerHTML = "";
    [[num(t.pages), msg("trang", "pages")], [num(t.dossiers), msg("hồ sơ mới", "new dossiers")], [num(t.batches), msg("lô tải lên", "batches uploaded")],
      [num(t.results), msg("kết quả đã ký", "signed results")], [pct(t.review_rate), msg("trang cần xem lại", "pages to review")],
      [num(t.exceptions), msg("trang lỗi", "failed pages")], [num(t.backlog_batches), msg("lô tồn đọng", "batches in backlog")],
      [clock(t.time_to_result_p50_s), msg("trung vị đến kết quả", "median to result")], [clock(t.time_to_result_p95_s), msg("p95 đến kết quả", "p95 to result")]
    ].forEach(function (k) {
      var d = el("div", "kpi"); d.appendChild(el("b", null, k[0])); d.appendChild(el("span", null, k[1])); box.appendChild(d);
    });
  }

  function table(st) {
    var t = $("table");
    t.innerHTML = "";
    var heads = [$("group").selectedOptions[0].textContent, msg("Lô", "Batches"), msg("Hồ sơ", "Dossiers"), msg("Trang", "Pages"),
      msg("Xem lại", "Review"), msg("Lỗi", "Exceptions"), msg("Kết quả", "Results"), msg("Tồn (lô)", "Backlog"), "p50", "p95"];
    var tr = el("tr");
    heads.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
    function line(key, r, parent) {
      var tr = el("tr");
      [key || "–", num(r.batches), num(r.dossiers), num(r.pages), pct(r.review_rate), num(r.exceptions), num(r.results),
        num(r.backlog_batches), clock(r.time_to_result_p50_s), clock(r.time_to_result_p95_s)].forEach(function (v) { tr.appendChild(el("td", null, v)); });
      parent.appendChild(tr);
    }
    var tb = el("tbody");
    st.rows.forEach(function (r) { line(r.key, r, tb); });
    t.appendChild(tb);
    var tf = el("tfoot"); line(msg("Tổng", "Total"), st.total, tf); t.appendChild(tf);
  }

  function render() {
    var labels = days(data.from, data.to), idx = {};
    labels.forEach(function (d, i) { idx[d] = i; });
    var byDay = function (st, f) {
      var v = labels.map(function () { return 0; });
      st.rows.forEach(function (r) { if (r.key in idx) v[idx[r.key]] = f(r); });
      return v;
    };
    kpis(data.day.total);
    var total = byDay(data.day, function (r) { return r.pages; });
    // A daily series for each of the busiest desks (agencies), the rest in one.
    var daily = function (id, parts, other) {
      var series = parts.map(function (d, i) { return { name: d.name, color: COLORS[i], values: byDay(d.stats, function (r) { return r.pages; }) }; });
      var rest = total.map(function (v, i) { return series.reduce(function (s, sr) { return s - sr.values[i]; }, v); });
      if (rest.some(function (v) { return v > 0; })) series.push({ name: other, color: COLORS[5], values: rest });
      dayChart(document.querySelector(id + " .chart"), labels, series);
      legend(document.querySelector(id + " .legend"), series);
    };
    daily("#c-daily", data.desks, msg("Quầy khác", "Other stations"));
    daily("#c-daily-agency", data.agencies, msg("Cơ quan khác", "Other agencies"));
    hbars(document.querySelector("#c-agency .chart"), data.agency.rows.map(function (r) { return { label: r.key, value: r.pages }; }), COLORS[1]);
    hbars(document.querySelector("#c-station .chart"), data.station.rows.map(function (r) { return { label: r.key, value: r.pages }; }), COLORS[0]);
    dayChart(document.querySelector("#c-backlog .chart"), labels,
      [{ name: msg("Tồn đọng", "Backlog"), color: COLORS[3], values: byDay(data.day, function (r) { return r.backlog_batches; }) }]);
    var times = [{ name: "p50", color: COLORS[1], values: byDay(data.day, function (r) { return r.time_to_result_p50_s / 60; }) },
      { name: "p95", color: COLORS[0], values: byDay(data.day, function (r) { return r.time_to_result_p95_s / 60; }) }];
    dayChart(document.querySelector("#c-time .chart"), labels, times, true, msg(" phút", " min"));
    legend(document.querySelector("#c-time .legend"), times);
    table(data.table);
    $("kpis").hidden = $("charts").hidden = $("tablebox").hidden = false;
    status(msg("Số liệu từ " + data.from + " đến " + data.to + " (ngày tải lên, giờ Việt Nam).",
      "Figures from " + data.from + " to " + data.to + " (upload day, Vietnam time)."));
  }

  function get(q) {
    return fetch("/v1/stats?" + q, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 401) { var e = new Error("401"); e.signin = true; throw e; }
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((en ? body.error : body.error_vi || body.error) || r.statusText);
        return body;
      });
    });
  }

  function load(push) {
    var from = $("from").value || vnDay(29), to = $("to").value || vnDay(0), group = $("group").value;
    $("from").value = from; $("to").value = to;
    var p = new URLSearchParams({ from: from, to: to, group: group });
    if (push) history.pushState(null, "", "?" + p.toString());
    var range = "from=" + from + "&to=" + to;
    status(msg("Đang tải…", "Loading…"));
    Promise.all([get(range + "&group=day"), get(range + "&group=agency"), get(range + "&group=station"), get(range + "&group=" + group)])
      .then(function (res) {
        // The five busiest desks and agencies get a series each in the
        // daily charts.
        var top = function (st) { return st.rows.slice().sort(function (a, b) { return b.pages - a.pages; }).slice(0, 5); };
        var desks = top(res[2]), agencies = top(res[1]);
        return Promise.all(desks.map(function (d) { return get(range + "&group=day&station=" + encodeURIComponent(d.key)); })
          .concat(agencies.map(function (a) { return get(range + "&group=day&agency=" + encodeURIComponent(a.key)); })))
          .then(function (ds) {
            var named = function (rows, off) { return rows.map(function (d, i) { return { name: d.key, stats: ds[off + i] }; }); };
            data = { from: from, to: to, day: res[0], agency: res[1], station: res[2], table: res[3],
              desks: named(desks, 0), agencies: named(agencies, desks.length) };
            $("login").hidden = true;
            render();
          });
      })
      .catch(function (e) {
        if (e.signin) { session.signedOut(); status(""); return; }
        status(e.message === "Failed to fetch" ? msg("Không kết nối được máy chủ.", "Cannot reach the server.") : e.message, true);
      });
  }

  function fromURL() {
    var p = new URLSearchParams(location.search);
    $("from").value = p.get("from") || ""; $("to").value = p.get("to") || "";
    if (p.get("group")) $("group").value = p.get("group");
  }

  // Sign-in and sign-out (ui/session.js).
  var session = sohoaSignIn({
    english: function () { return en; }, status: status, loaded: function () { load(false); },
    hide: function () { $("kpis").hidden = $("charts").hidden = $("tablebox").hidden = true; }
  });
  $("logout").addEventListener("click", function () {
    fetch("/v1/session", { method: "DELETE", credentials: "same-origin" }).then(function () {
      data = null; session.signedOut(); status(msg("Đã đăng xuất.", "Signed out."));
    });
  });
  $("filter").addEventListener("submit", function (e) { e.preventDefault(); load(true); });
  $("group").addEventListener("change", function () { load(true); });
  $("lang").addEventListener("click", function () {
    en = !en; localStorage.setItem("sohoa.lang", en ? "en" : "vi"); applyLang();
  });
  window.addEventListener("popstate", function () { fromURL(); load(false); });
  var resized = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resized);
    resized = setTimeout(function () { if (data) render(); }, 150);
  });
  fetch("/v1/whoami", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (body) { if (body) session.signedIn(body); })
    .catch(function () {});

  applyLang();
  fromURL();
  load(false);
})();
