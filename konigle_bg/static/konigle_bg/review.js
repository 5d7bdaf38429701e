/* konigle_bg review pages: before/after slider, box drawing, status polling, theme switch.
   Plain JS, no build; every feature is bound only where its markup is on the page. */
(function () {
  "use strict";
  var OPEN = { pending: true, running: true };
  // Django's JavaScript catalog (konigle_bg:jsi18n) defines these; plain English without it.
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
  };
  var RUN_STATES = {
    pending: gettext("Pending"), running: gettext("Running"), completed: gettext("Completed"),
    cancelled: gettext("Cancelled"), failed: gettext("Failed")
  };

  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); });
  }
  function postJSON(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(data || {})
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); });
  }

  // ---- before/after slider on the grid
  document.querySelectorAll(".bg-compare").forEach(function (box) {
    var slider = box.querySelector(".bg-slider");
    slider.addEventListener("input", function () { box.style.setProperty("--pos", slider.value + "%"); });
  });

  // ---- grid: poll queued/running photos until they finish
  var grid = document.getElementById("review-grid");
  var cfgEl = document.getElementById("bg-config");
  var refreshCards = function () {};
  if (grid && cfgEl) {
    var cfg = JSON.parse(cfgEl.textContent);
    refreshCards = function () { // every card on the page, e.g. after a theme switch
      var ids = Array.prototype.map.call(grid.querySelectorAll(".bg-card"), function (c) { return c.dataset.image; });
      if (ids.length) getJSON(cfg.statusUrl + "?ids=" + ids.join(",")).then(function (res) {
        (res.body.images || []).forEach(updateCard);
      });
    };
    var pollGrid = function () {
      var open = grid.querySelectorAll(".bg-card[data-status=pending], .bg-card[data-status=running]");
      if (!open.length) return;
      var ids = Array.prototype.map.call(open, function (c) { return c.dataset.image; });
      getJSON(cfg.statusUrl + "?ids=" + ids.join(",")).then(function (res) {
        (res.body.images || []).forEach(updateCard);
        setTimeout(pollGrid, 1500);
      }, function () { setTimeout(pollGrid, 3000); });
    };
    setTimeout(pollGrid, 1000);
  }
  function updateCard(row) {
    var card = document.getElementById("card-" + row.id);
    if (!card) return;
    card.dataset.status = row.status;
    // A held result is not on the store: the card shows it (the grid's accept needs a reload).
    card.querySelector(".after").src = row.held ? row.pending_url : row.display_url;
    card.classList.toggle("held", !!row.held);
    var st = card.querySelector("[data-field=status_label]");
    st.textContent = row.status_label;
    st.className = "bg-status s-" + (row.held ? "held" : row.status || "none");
    card.querySelector("[data-field=confidence]").textContent =
      row.confidence_pct === null ? "" : row.confidence_pct + "%";
    card.querySelector("[data-field=theme]").textContent = row.reverted ? "original" : row.theme;
    card.querySelector("[data-field=error]").textContent = row.error || "";
    card.classList.toggle("needs-review", !!row.needs_review);
  }

  // ---- product page: drag a box on the original (stored in the photo's pixel coordinates)
  function bindBox(wrap) {
    var img = wrap.querySelector("img");
    var sel = wrap.querySelector(".bg-sel");
    var form = document.getElementById(wrap.dataset.form);
    var info = form.querySelector(".bg-boxinfo");
    var clear = form.querySelector(".bg-clearbox");
    var start = null;

    function scale() { return img.naturalWidth / img.clientWidth; }
    function showBox(b) { // b in photo pixels
      var s = scale();
      sel.hidden = false;
      sel.style.left = b[0] / s + "px"; sel.style.top = b[1] / s + "px";
      sel.style.width = (b[2] - b[0]) / s + "px"; sel.style.height = (b[3] - b[1]) / s + "px";
    }
    function setBox(b) {
      ["x0", "y0", "x1", "y1"].forEach(function (k, i) { form.elements[k].value = b ? b[i] : ""; });
      info.textContent = b ? interpolate(gettext("Box %(box)s (photo pixels)"), { box: b.join(", ") }, true) : "";
      clear.hidden = !b;
      if (b) showBox(b); else sel.hidden = true;
    }
    function point(ev) {
      var r = img.getBoundingClientRect();
      return [Math.min(Math.max(ev.clientX - r.left, 0), r.width), Math.min(Math.max(ev.clientY - r.top, 0), r.height)];
    }
    function toBox(a, b) {
      var s = scale();
      return [Math.round(Math.min(a[0], b[0]) * s), Math.round(Math.min(a[1], b[1]) * s),
              Math.round(Math.max(a[0], b[0]) * s), Math.round(Math.max(a[1], b[1]) * s)];
    }
    wrap.addEventListener("pointerdown", function (ev) {
      ev.preventDefault();
      start = point(ev);
      wrap.setPointerCapture(ev.pointerId);
    });
    wrap.addEventListener("pointermove", function (ev) {
      if (start) showBox(toBox(start, point(ev)));
    });
    wrap.addEventListener("pointerup", function (ev) {
      if (!start) return;
      var b = toBox(start, point(ev));
      start = null;
      if (b[2] - b[0] < 4 || b[3] - b[1] < 4) { setBox(null); return; }
      setBox(b);
    });
    clear.addEventListener("click", function () { setBox(null); });
    // The box remembered from the last re-prompt is drawn once the photo has its size.
    var remembered = sel.dataset.box;
    var draw = function () { if (remembered) showBox(remembered.split(",").map(Number)); };
    if (img.complete && img.naturalWidth) draw(); else img.addEventListener("load", draw);
  }

  // ---- product page: while a photo's job runs, poll; when it ends, swap in the new section
  function pollPhoto(section) {
    getJSON(section.dataset.statusUrl).then(function (res) {
      if (res.ok && OPEN[res.body.status]) { setTimeout(function () { pollPhoto(section); }, 1000); return; }
      return fetch(location.pathname, { credentials: "same-origin" }).then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(section.id);
          if (!fresh) return;
          section.replaceWith(fresh);
          bindSection(fresh);
        });
    }, function () { setTimeout(function () { pollPhoto(section); }, 3000); });
  }
  function bindSection(section) {
    // Also run for a section fetched from the server to replace the old one.
    if (section.__bound) return;
    section.__bound = true;
    section.querySelectorAll(".bg-boxable").forEach(bindBox);
    if (OPEN[section.dataset.status]) setTimeout(function () { pollPhoto(section); }, 800);
  }
  document.querySelectorAll(".bg-photo").forEach(bindSection);

  // ---- store page: a store-wide theme switch through the REST API, with a progress bar
  var panel = document.getElementById("theme-switch");
  // No runs URL: the shop does not mount the API, so the page cannot drive a switch.
  if (panel && panel.dataset.runsUrl) {
    var runsUrl = panel.dataset.runsUrl;
    var bar = document.getElementById("run-progress");
    var text = document.getElementById("run-text");
    var cancel = document.getElementById("run-cancel");
    var err = document.getElementById("run-error");
    var runBox = panel.querySelector(".bg-run");
    var current = panel.dataset.run || null;

    var showRun = function (run) {
      runBox.hidden = false;
      bar.value = run.percent;
      var label = RUN_STATES[run.state] || run.state;
      text.textContent = interpolate(
        gettext("%(theme)s: %(state)s, %(processed)s/%(total)s (%(percent)s%)"),
        { theme: run.theme_name, state: label, processed: run.processed, total: run.total,
          percent: run.percent }, true) +
        (run.failed ? interpolate(gettext(", %(failed)s failed"), { failed: run.failed }, true) : "");
      cancel.hidden = !OPEN[run.state];
      panel.dataset.state = run.state;
    };
    var pollRun = function () {
      if (!current) return;
      getJSON(runsUrl + current + "/").then(function (res) {
        if (!res.ok) return;
        showRun(res.body);
        if (OPEN[res.body.state]) setTimeout(pollRun, 1000);
        else refreshCards();
      });
    };
    var form = document.getElementById("theme-switch-form");
    if (form) form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      err.hidden = true;
      postJSON(runsUrl, { theme: Number(form.elements.theme.value) }).then(function (res) {
        if (!res.ok) {
          err.hidden = false;
          err.textContent = res.body.detail;  // konigle_bg.api.errors: one shape for every error
          return;
        }
        current = res.body.id;
        showRun(res.body);
        pollRun();
      });
    });
    cancel.addEventListener("click", function () {
      if (current) postJSON(runsUrl + current + "/cancel/").then(pollRun);
    });
    if (current && panel.dataset.runOpen === "1") pollRun();
  }
})();
