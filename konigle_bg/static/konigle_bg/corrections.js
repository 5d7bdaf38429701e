/* konigle_bg review page: fix a cut-out with clicks and brush strokes.
   Click = add a missed part; remove mode (button, M key), right-click or Alt-click = remove
   leftover background; brush (B) = drag along thin parts; "clear all like it" (A, or
   Shift-right-click) = a remove click that clears every enclosed hole like the clicked one;
   edge (E) = drag along an edge, the cut-out snaps to the photo's contour there. Every change asks the server for a
   preview of ALL clicks so far (undo/redo are just a shorter or longer list); Apply stores the
   corrected cut-out and shows it on the store. Pointer events, so touch works the same. */
(function () {
  "use strict";
  var t = function (s) { return window.gettext ? window.gettext(s) : s; };
  var fmt = function (s, n) { return s.replace("%s", n); };
  var ngettext = function (one, many, n) {
    return window.ngettext ? window.ngettext(one, many, n) : (n === 1 ? one : many);
  };
  var SVG = "http://www.w3.org/2000/svg";

  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function post(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(data)
    }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); });
  }
  function firstError(body) {
    for (var k in body) { if (Object.prototype.hasOwnProperty.call(body, k)) {
      var v = body[k]; return Array.isArray(v) ? v[0] : String(v);
    } }
    return t("Something went wrong.");
  }

  function Editor(root) {
    var stage = root.querySelector(".bg-fix-stage");
    var img = root.querySelector(".bg-fix-preview");
    var marks = root.querySelector(".bg-fix-marks");
    var status = root.querySelector(".bg-fix-status");
    var btn = function (c) { return root.querySelector(".bg-fix-" + c); };
    var W = +root.dataset.width, H = +root.dataset.height;
    var items = [];   // {kind: "click"|"stroke", positive, x, y | points, radius}
    var undone = [];
    var remove = false, brush = false, all = false, edge = false, seq = 0, stroke = null;

    function say(msg) { status.textContent = msg; }
    function toPhoto(ev) {
      var r = img.getBoundingClientRect();
      var x = (ev.clientX - r.left) / r.width * W, y = (ev.clientY - r.top) / r.height * H;
      return [Math.max(0, Math.min(W - 1, Math.round(x))), Math.max(0, Math.min(H - 1, Math.round(y)))];
    }
    function counts() {
      var c = items.filter(function (i) { return i.kind === "click"; }).length;
      return { clicks: c, strokes: items.length - c };
    }
    function payload(preview) {
      return {
        preview: preview,
        clicks: items.filter(function (i) { return i.kind === "click"; })
          .map(function (i) { return { x: i.x, y: i.y, positive: i.positive, all: !!i.all }; }),
        strokes: items.filter(function (i) { return i.kind === "stroke"; })
          .map(function (i) { return { points: i.points, radius: i.radius, positive: i.positive, edge: !!i.edge }; })
      };
    }
    function draw() {
      while (marks.firstChild) marks.removeChild(marks.firstChild);
      var r = Math.max(W, H) / 120;
      items.forEach(function (i) {
        var colour = i.edge ? "#2e90fa" : (i.positive ? "#12b76a" : "#f04438"), el;
        if (i.kind === "click") {
          el = document.createElementNS(SVG, "circle");
          el.setAttribute("cx", i.x); el.setAttribute("cy", i.y); el.setAttribute("r", r);
          el.setAttribute("fill", colour); el.setAttribute("stroke", "#fff");
          el.setAttribute("stroke-width", r / 3);
          el.setAttribute("class", i.positive ? "dot add" : (i.all ? "dot remove all" : "dot remove"));
        } else {
          el = document.createElementNS(SVG, "polyline");
          el.setAttribute("points", i.points.map(function (p) { return p.join(","); }).join(" "));
          el.setAttribute("fill", "none"); el.setAttribute("stroke", colour);
          el.setAttribute("stroke-opacity", ".6"); el.setAttribute("stroke-linecap", "round");
          el.setAttribute("stroke-width", i.edge ? Math.max(2, i.radius / 2) : 2 * i.radius);
          el.setAttribute("class", i.edge ? "stroke edge" : "stroke");
        }
        marks.appendChild(el);
      });
      btn("undo").disabled = !items.length;
      btn("redo").disabled = !undone.length;
      btn("reset").disabled = !items.length && !undone.length;
      btn("apply").disabled = !items.length;
    }
    function refresh() {
      draw();
      var mine = ++seq;
      if (!items.length) {
        img.src = root.dataset.base;
        root.dataset.state = "ready";
        say(t("Back to the automatic cut-out."));
        return;
      }
      stage.classList.add("busy");
      root.dataset.state = "busy";
      say(t("Updating the preview…"));
      post(root.dataset.api, payload(true)).then(function (res) {
        if (mine !== seq) return; // a newer click is on its way
        stage.classList.remove("busy");
        root.dataset.state = "ready";
        if (!res.ok) { say(firstError(res.body)); return; }
        img.src = res.body.preview;
        var c = counts();
        say(fmt(ngettext("Preview updated: %s click.", "Preview updated: %s clicks.", c.clicks), c.clicks)
            + (c.strokes ? " " + fmt(ngettext("%s stroke.", "%s strokes.", c.strokes), c.strokes) : ""));
      }, function () {
        stage.classList.remove("busy");
        root.dataset.state = "ready";
        say(t("The preview could not be loaded; try again."));
      });
    }
    function add(item) { items.push(item); undone = []; refresh(); }
    function undo() { if (items.length) { undone.push(items.pop()); refresh(); } }
    function redo() { if (undone.length) { items.push(undone.pop()); refresh(); } }
    function reset() { items = []; undone = []; refresh(); }
    function setRemove(on) {
      remove = on;
      btn("mode").setAttribute("aria-pressed", String(on));
      say(on ? t("Remove mode: click on leftover background.") : t("Add mode: click on a missed part of the product."));
    }
    function setBrush(on) {
      brush = on;
      btn("brush").setAttribute("aria-pressed", String(on));
      say(on ? t("Brush: drag along a thin part.") : t("Brush off: single clicks."));
    }
    // Tools that change what a click or a drag does: one at a time.
    function setAll(on) {
      all = on;
      if (on) setEdge(false);
      btn("all").setAttribute("aria-pressed", String(on));
      say(on ? t("Clear all like it: click in one see-through hole; every enclosed hole like it goes.")
             : t("Clear all like it off."));
    }
    function setEdge(on) {
      edge = on;
      if (on) { all = false; btn("all").setAttribute("aria-pressed", "false"); }
      btn("edge").setAttribute("aria-pressed", String(on));
      say(on ? t("Edge: drag along an edge; the cut-out snaps to the photo's contour there.")
             : t("Edge off."));
    }
    function apply() {
      btn("apply").disabled = true;
      root.dataset.state = "applying";
      say(t("Applying the corrections and rendering on the theme…"));
      post(root.dataset.api, payload(false)).then(function (res) {
        if (!res.ok) { btn("apply").disabled = false; say(firstError(res.body)); return; }
        poll(res.body.url);
      });
    }
    function poll(url) {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (job.status === "done") {
            root.dataset.state = "applied";
            say(t("Applied: the corrected photo is shown on the store."));
            window.location.hash = "photo-" + root.dataset.image;
            window.location.reload();
          } else if (job.status === "failed") {
            root.dataset.state = "ready";
            btn("apply").disabled = false;
            say(job.error || t("The corrections could not be applied."));
          } else {
            setTimeout(function () { poll(url); }, 700);
          }
        });
    }

    stage.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });
    stage.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 && ev.button !== 2) return;
      ev.preventDefault();
      stage.focus();
      var positive = !(remove || all || ev.altKey || ev.button === 2);
      var p = toPhoto(ev);
      if (edge) {
        stroke = { kind: "stroke", edge: true, positive: true, points: [p], radius: Math.max(4, Math.round(Math.max(W, H) / 60)) };
        stage.setPointerCapture(ev.pointerId);
      } else if (brush) {
        stroke = { kind: "stroke", positive: positive, points: [p], radius: Math.max(2, Math.round(Math.max(W, H) / 150)) };
        stage.setPointerCapture(ev.pointerId);
      } else {
        add({ kind: "click", positive: positive, all: !positive && (all || ev.shiftKey), x: p[0], y: p[1] });
      }
    });
    stage.addEventListener("pointermove", function (ev) {
      if (!stroke) return;
      var p = toPhoto(ev), last = stroke.points[stroke.points.length - 1];
      if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) >= 3 && stroke.points.length < 500) stroke.points.push(p);
    });
    var endStroke = function () {
      if (!stroke) return;
      var s = stroke; stroke = null;
      if (s.edge && s.points.length < 2) { say(t("Edge: drag along the edge, not a single click.")); return; }
      add(s);
    };
    stage.addEventListener("pointerup", endStroke);
    stage.addEventListener("pointercancel", endStroke);
    btn("mode").addEventListener("click", function () { setRemove(!remove); });
    btn("brush").addEventListener("click", function () { setBrush(!brush); });
    btn("all").addEventListener("click", function () { setAll(!all); });
    btn("edge").addEventListener("click", function () { setEdge(!edge); });
    btn("undo").addEventListener("click", undo);
    btn("redo").addEventListener("click", redo);
    btn("reset").addEventListener("click", reset);
    btn("apply").addEventListener("click", apply);
    btn("bg").addEventListener("click", function () {
      var on = !stage.classList.contains("theme");
      stage.classList.toggle("theme", on);
      stage.style.backgroundColor = on ? root.dataset.themeColour : "";
      btn("bg").setAttribute("aria-pressed", String(on));
    });
    root.addEventListener("keydown", function (ev) {
      if (ev.target.tagName === "INPUT" || ev.target.tagName === "TEXTAREA") return;
      var k = ev.key.toLowerCase(), mod = ev.ctrlKey || ev.metaKey;
      if ((k === "z" && !ev.shiftKey) && (mod || !ev.altKey)) { ev.preventDefault(); undo(); }
      else if (k === "y" || (k === "z" && ev.shiftKey)) { ev.preventDefault(); redo(); }
      else if (k === "m" && !mod) { setRemove(!remove); }
      else if (k === "b" && !mod) { setBrush(!brush); }
      else if (k === "a" && !mod) { setAll(!all); }
      else if (k === "e" && !mod) { setEdge(!edge); }
      else if (k === "enter" && mod && items.length) { apply(); }
    });
    root.dataset.state = "ready";
    draw();
  }

  document.querySelectorAll(".bg-fix").forEach(Editor);
})();
