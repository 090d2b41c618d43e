// sohoa search page and dossier view: plain JS, no framework. The query
// lives in the URL (?q=...&page=...) so that back, reload and shared links
// work; /dossiers/{code}?q=... is the view of one dossier, reached from a
// hit, the words of q boxed on its page scans.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var EN = {
    title: "Digitized dossier search", search: "Search", filters: "Filters",
    agency: "Agency", dossier: "Dossier code", type: "Document type", from: "From", to: "To",
    needlogin: "Enter an access token (archivist role) to search.", login: "Sign in", logout: "Sign out",
    prev: "‹ Previous", next: "Next ›",
    placeholder: "Name, address, number… (\"phrase\", certif*, A OR B, -exclude)", tokenph: "Access token",
    back: "‹ Back to the search", dossierh: "Dossier", resultsh: "Results", batchesh: "Scanned batches",
    doc_type: "Document type (heading)", number: "Number, notation", issuer: "Issuing agency", signer: "Signer",
    issued_from: "Issued from", issued_to: "Issued until",
    exportjson: "Document metadata (JSON)", exportxml: "Document metadata (XML, TT 02/2019/TT-BNV)"
  };
  var VI = {};
  var en = localStorage.getItem("sohoa.lang") === "en";
  var msg = function (vi, eng) { return en ? eng : vi; };
  var filters = ["agency", "dossier", "type", "from", "to", "doc_type", "number", "issuer", "signer", "issued_from", "issued_to"];
  var fields = ["q"].concat(filters);
  var page = 1, perPage = 0, last = null;
  var dossierPath = /^\/dossiers\/(.+)$/.exec(location.pathname);
  var dossierCode = dossierPath ? decodeURIComponent(dossierPath[1]) : null, lastDossier = null, lastArchival = null;

  function applyLang() {
    sohoaTranslate(en, EN, VI);
    document.title = dossierCode ? msg("Hồ sơ ", "Dossier ") + dossierCode : en ? EN.title : VI.title;
    if (last) render(last);
    if (lastDossier) renderDossier(lastDossier);
  }

  function params() {
    var p = new URLSearchParams();
    fields.forEach(function (f) { var v = $(f).value.trim(); if (v) p.set(f, v); });
    if (page > 1) p.set("page", page);
    if (perPage) p.set("per_page", perPage);
    return p;
  }

  function fromURL() {
    var p = new URLSearchParams(location.search);
    fields.forEach(function (f) { $(f).value = p.get(f) || ""; });
    page = parseInt(p.get("page"), 10) || 1;
    perPage = parseInt(p.get("per_page"), 10) || 0;
    if (filters.some(function (f) { return p.get(f); })) $("filters").open = true;
  }

  var status = sohoaStatus, el = sohoaEl; // ui/dom.js

  // get fetches u as the signed-in archivist, asking for JSON.
  function get(u) { return fetch(u, { credentials: "same-origin", headers: { Accept: "application/json" } }); }

  // getJSON reads u's JSON answer: the body, or null once a 401 has signed
  // the page out or an error answer is shown in the status line.
  function getJSON(u) {
    return get(u).then(function (r) {
      if (r.status === 401) { session.signedOut(); status(""); return null; }
      return r.json().then(function (body) {
        if (!r.ok) { status((en ? body.error : body.error_vi || body.error) || r.statusText, true); return null; }
        return body;
      });
    });
  }

  function search(push) {
    if (dossierCode) { loadDossier(); return; }
    var p = params();
    if (!fields.some(function (f) { return p.get(f); })) {
      $("results").innerHTML = ""; $("pager").hidden = true; status(""); last = null; return;
    }
    if (push) history.pushState(null, "", "?" + p.toString());
    status(msg("Đang tìm…", "Searching…"));
    getJSON("/v1/search?" + p.toString())
      .then(function (body) { if (body) { $("login").hidden = true; last = body; render(body); } })
      .catch(function () { status(msg("Không kết nối được máy chủ.", "Cannot reach the server."), true); });
  }

  function render(body) {
    var ol = $("results");
    ol.innerHTML = "";
    status(body.total === 0 ? msg("Không tìm thấy trang nào.", "No page found.")
      : body.capped ? msg("Tìm thấy hơn " + body.total + " trang; hãy thêm từ hoặc bộ lọc để thu hẹp.",
        "More than " + body.total + " pages found; add words or filters to narrow the search.")
      : msg("Tìm thấy " + body.total + " trang", body.total + (body.total === 1 ? " page" : " pages") + " found") +
        (body.total > body.pages * body.per_page ? msg("; xem được " + body.pages * body.per_page + " kết quả đầu",
          "; the first " + body.pages * body.per_page + " can be shown") : ""));
    body.hits.forEach(function (h) {
      var li = el("li", "hit"), a = el("a");
      a.href = h.pdf_url;
      // The page scan, matched words boxed; it opens at reading size.
      var img = el("img", "thumb"), scan = el("a", "scan");
      var src = "/v1/results/" + encodeURIComponent(h.result_code) + "/pages/" + h.page + "/image?q=" + encodeURIComponent(body.query || "");
      img.src = src + "&w=160"; img.loading = "lazy"; img.alt = msg("Trang ", "Page ") + h.page;
      img.onerror = function () { scan.hidden = true; };
      scan.href = src + "&w=1200"; scan.target = "_blank"; scan.appendChild(img);
      li.appendChild(scan);
      a.appendChild(el("div", "t", h.title || h.result_code));
      var m = el("div", "m");
      var parts = [[msg("Hồ sơ", "Dossier"), h.dossier_code], [msg("Kết quả", "Result"), h.result_code],
        [msg("Trang", "Page"), String(h.page)]];
      if (h.date && h.date.indexOf("0001-") !== 0) parts.push([msg("Ngày", "Date"), h.date.slice(0, 10)]);
      parts.forEach(function (p, i) {
        if (i) m.appendChild(document.createTextNode(" · "));
        m.appendChild(document.createTextNode(p[0] + " "));
        m.appendChild(el("b", null, p[1]));
      });
      a.appendChild(m);
      var s = el("p", "s");
      s.innerHTML = h.snippet; // escaped by the server; only <mark> is markup
      a.appendChild(s);
      if (h.approx) a.appendChild(el("span", "approx", msg("gần đúng", "approximate")));
      var hb = el("div", "hb"), d = el("a", "dlink", msg("Xem hồ sơ ›", "Open the dossier ›"));
      d.href = "/dossiers/" + encodeURIComponent(h.dossier_code) + "?q=" + encodeURIComponent(body.query || "");
      hb.appendChild(a); hb.appendChild(d);
      li.appendChild(hb);
      ol.appendChild(li);
    });
    var pages = Math.max(1, body.pages);
    $("pager").hidden = pages <= 1;
    $("prev").disabled = body.page <= 1;
    $("next").disabled = body.page >= pages;
    $("pageno").textContent = msg("Trang ", "Page ") + body.page + " / " + pages;
  }

  // The dossier view: its results (state, signing time, signed PDF) with
  // their pages as thumbnails opening the scan at reading size, and the
  // batches scanned for it.
  function loadDossier() {
    status(msg("Đang tải…", "Loading…"));
    var base = "/v1/dossiers/" + encodeURIComponent(dossierCode);
    getJSON(base)
      .then(function (body) {
        if (!body) return;
        $("login").hidden = true; lastDossier = body; renderDossier(body);
        // The documents read from the results' headers, shown under each result.
        return get(base + "/archival.json").then(function (r) { return r.ok ? r.json() : null; })
          .then(function (a) { if (a) { lastArchival = a; renderDossier(lastDossier); } });
      })
      .catch(function () { status(msg("Không kết nối được máy chủ.", "Cannot reach the server."), true); });
  }

  // documentsOf returns the archival documents of a result, once loaded.
  function documentsOf(code) {
    var rs = (lastArchival && lastArchival.results) || [];
    for (var i = 0; i < rs.length; i++) if (rs[i].result_code === code) return rs[i].documents || [];
    return [];
  }

  // fieldValue shows one field: its value, a hand when handwritten, and
  // an unsure one marked (class "unsure", its confidence in the title).
  function fieldValue(f) {
    var b = el("b", null, f.unreadable ? msg("(không đọc được)", "(unreadable)") : f.value);
    if (f.handwritten) b.appendChild(document.createTextNode(" ✍"));
    if (f.unreadable || f.confidence < 0.9) {
      b.className = "unsure";
      b.title = msg("cần kiểm tra, độ tin cậy ", "to check, confidence ") + Math.round(f.confidence * 100) + "%";
    }
    return b;
  }

  var docFields = [["doc_type", "Loại", "Type"], ["number", "Số", "Number"], ["date", "Ngày", "Date"],
    ["agency", "Cơ quan ban hành", "Issued by"], ["place", "Nơi ban hành", "Place"], ["signer", "Người ký", "Signer"],
    ["signer_title", "Chức vụ", "Position"], ["urgency", "Độ khẩn", "Urgency"], ["secrecy", "Độ mật", "Secrecy"]];

  function renderDocuments(li, docs) {
    if (!docs.length) return;
    var ul = el("ul", "docs");
    docs.forEach(function (d) {
      var item = el("li", "doc" + (d.needs_review ? " review" : ""));
      var m = el("div", "m");
      m.appendChild(document.createTextNode(msg("Trang ", "Pages ") + d.first_page + (d.last_page > d.first_page ? "–" + d.last_page : "")));
      docFields.forEach(function (f) {
        if (!d[f[0]]) return;
        m.appendChild(document.createTextNode(" · " + msg(f[1], f[2]) + " "));
        m.appendChild(fieldValue(d[f[0]]));
      });
      item.appendChild(m);
      if (d.summary) { var s = el("p", "s"); s.appendChild(fieldValue(d.summary)); item.appendChild(s); }
      if (d.needs_review) item.appendChild(el("span", "approx", msg("cần kiểm tra", "to review")));
      ul.appendChild(item);
    });
    li.appendChild(ul);
  }

  // when is a time as the desk reads it: local date and hour.
  function when(s) {
    if (!s || s.indexOf("0001-") === 0) return "";
    var d = new Date(s), two = function (n) { return (n < 10 ? "0" : "") + n; };
    if (isNaN(d)) return "";
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  // metaLine fills e with "label value · label value", skipping empty values.
  function metaLine(e, parts) {
    e.innerHTML = "";
    parts.filter(function (p) { return p[1]; }).forEach(function (p, i) {
      if (i) e.appendChild(document.createTextNode(" · "));
      e.appendChild(document.createTextNode(p[0] + " "));
      e.appendChild(el("b", null, p[1]));
    });
  }

  var batchStates = {
    received: ["đã nhận", "received"], processing: ["đang xử lý", "processing"],
    done: ["xong", "done"], failed: ["lỗi", "failed"]
  };

  function renderDossier(d) {
    var q = new URLSearchParams(location.search).get("q") || "";
    $("back").href = q ? "/?q=" + encodeURIComponent(q) : "/";
    $("dcode").textContent = d.dossier_code;
    $("djson").href = "/v1/dossiers/" + encodeURIComponent(d.dossier_code) + "/archival.json";
    $("dxml").href = "/v1/dossiers/" + encodeURIComponent(d.dossier_code) + "/archival.xml";
    var results = d.results || [], batches = d.documents || [];
    metaLine($("dmeta"), [[msg("Cơ quan", "Agency"), d.agency_code], [msg("Tiếp nhận", "Received"), when(d.created_at)],
      [msg("Kết quả", "Results"), String(results.length)], [msg("Lô", "Batches"), String(batches.length)]]);
    status(results.length ? "" : msg("Hồ sơ chưa có kết quả.", "The dossier has no result yet."));
    var ol = $("dresults");
    ol.innerHTML = "";
    results.forEach(function (r) {
      var li = el("li", "res");
      li.appendChild(el("div", "t", r.title || r.result_code));
      var m = el("div", "m");
      metaLine(m, [[msg("Mã kết quả", "Result code"), r.result_code],
        [msg("Trạng thái", "State"), r.signer ? msg("đã ký số", "signed") : msg("đã lưu, chưa ký", "stored, not signed")],
        [msg("Người ký", "Signer"), r.signer || ""], [msg("Ký lúc", "Signed at"), r.signer ? when(r.created_at) : ""],
        [msg("Lưu lúc", "Stored at"), r.signer ? "" : when(r.created_at)], [msg("Số trang", "Pages"), String(r.pages)],
        // A signed file is never altered: a later change is a new result.
        [msg("Thay thế", "Supersedes"), r.supersedes || ""], [msg("Được thay bởi", "Superseded by"), r.superseded_by || ""]]);
      li.appendChild(m);
      renderDocuments(li, documentsOf(r.result_code));
      var pdf = el("a", "pdf", msg("Mở tệp PDF", "Open the PDF"));
      pdf.href = (d.links && d.links[r.result_code]) || "/v1/results/" + encodeURIComponent(r.result_code) + "/pdf";
      li.appendChild(pdf);
      var pages = el("div", "pages");
      for (var n = 1; n <= r.pages; n++) {
        var src = "/v1/results/" + encodeURIComponent(r.result_code) + "/pages/" + n + "/image?q=" + encodeURIComponent(q);
        var a = el("a", "scan"), img = el("img", "thumb");
        img.src = src + "&w=160"; img.loading = "lazy"; img.alt = msg("Trang ", "Page ") + n;
        a.href = src + "&w=1200"; a.target = "_blank";
        a.appendChild(img); a.appendChild(el("span", "pn", String(n)));
        pages.appendChild(a);
      }
      li.appendChild(pages);
      ol.appendChild(li);
    });
    var bl = $("dbatches");
    bl.innerHTML = "";
    batches.forEach(function (b) {
      var li = el("li", "batch");
      li.appendChild(el("div", "t", b.title || b.batch_id));
      var m = el("div", "m"), st = batchStates[b.status];
      metaLine(m, [[msg("Loại", "Type"), b.document_type], [msg("Trạng thái", "State"), st ? msg(st[0], st[1]) : b.status],
        [msg("Trạm", "Station"), b.station], [msg("Người quét", "Operator"), b.operator],
        [msg("Nhận lúc", "Received"), when(b.created_at)], [msg("Kết quả", "Result"), b.result_code || ""],
        [msg("Số trang", "Pages"), b.pages ? String(b.pages.length) : ""],
        [msg("Sửa đổi của lô", "Revision of batch"), b.revision_of || ""]]);
      li.appendChild(m);
      if (b.error) li.appendChild(el("p", "err", b.error));
      bl.appendChild(li);
    });
  }

  if (dossierCode) {
    $("search").hidden = true; $("results").hidden = true; $("pager").hidden = true; $("dview").hidden = false;
  }

  $("search").addEventListener("submit", function (e) { e.preventDefault(); page = 1; search(true); });
  filters.forEach(function (f) {
    $(f).addEventListener("change", function () { page = 1; search(true); });
  });
  $("prev").addEventListener("click", function () { if (page > 1) { page--; search(true); scrollTo(0, 0); } });
  $("next").addEventListener("click", function () { page++; search(true); scrollTo(0, 0); });
  // Sign-in and sign-out (ui/session.js).
  var session = sohoaSignIn({
    english: function () { return en; }, status: status, loaded: function () { search(false); }
  });
  $("logout").addEventListener("click", function () {
    fetch("/v1/session", { method: "DELETE", credentials: "same-origin" })
      .then(function () {
        $("results").innerHTML = ""; $("pager").hidden = true; last = null;
        $("dresults").innerHTML = ""; $("dbatches").innerHTML = ""; lastDossier = null; lastArchival = null;
        session.signedOut(); status(msg("Đã đăng xuất.", "Signed out."));
      })
      .catch(function () { status(msg("Không kết nối được máy chủ.", "Cannot reach the server."), true); });
  });
  fetch("/v1/whoami", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (body) { if (body) session.signedIn(body); else if (!session.who()) session.signedOut(); })
    .catch(function () {});
  $("lang").addEventListener("click", function () {
    en = !en; localStorage.setItem("sohoa.lang", en ? "en" : "vi"); applyLang();
  });
  window.addEventListener("popstate", function () { fromURL(); search(false); });

  applyLang();
  fromURL();
  search(false);
})();
