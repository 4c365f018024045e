// hams social: optional enhancement. Every action is a plain form that works
// without JavaScript; with it, new posts appear without a reload (and a
// screen reader hears how many, not the whole timeline again), and address
// boxes get a Copy button.
(function () {
  "use strict";
  document.documentElement.setAttribute("data-js", "on");
  var body = document.body;

  // Copy buttons, after every read-only address box.
  if (navigator.clipboard) {
    Array.prototype.forEach.call(document.querySelectorAll("input.uri[readonly]"), function (box) {
      var row = document.createElement("div");
      row.className = "copy-row";
      box.parentNode.insertBefore(row, box);
      row.appendChild(box);
      var b = document.createElement("button");
      b.type = "button";
      b.className = "copy";
      b.textContent = body.getAttribute("data-copy");
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(box.value).then(function () {
          b.textContent = body.getAttribute("data-copied");
          setTimeout(function () { b.textContent = body.getAttribute("data-copy"); }, 2000);
        }, function () { box.select(); });
      });
      row.appendChild(b);
    });
  }

  if (!window.EventSource || !window.fetch) return;
  if (body.getAttribute("data-live") !== "true") return;
  var version = body.getAttribute("data-version");
  var busy = false, again = false;
  function ids(el) {
    var seen = {};
    Array.prototype.forEach.call(el.querySelectorAll("article[id]"), function (a) { seen[a.id] = true; });
    return seen;
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var url = new URL(location.href);
    url.searchParams.set("partial", "1");
    fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["timeline", "status"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (!fresh || !old || fresh.innerHTML === old.innerHTML) return;
          if (id === "timeline") {
            var before = ids(old), added = 0;
            Array.prototype.forEach.call(fresh.querySelectorAll("article[id]"), function (a) { if (!before[a.id]) added++; });
            var say = document.getElementById("announce");
            if (added && say) say.textContent = body.getAttribute("data-new-posts").replace("%d", added);
          }
          // Content warnings the person opened stay open.
          var opened = [];
          old.querySelectorAll("article > details[open]").forEach(function (d) { opened.push(d.parentNode.id); });
          old.innerHTML = fresh.innerHTML;
          opened.forEach(function (pid) {
            var d = pid && document.getElementById(pid);
            d = d && d.querySelector(":scope > details");
            if (d) d.open = true;
          });
        });
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var es = new EventSource("/events?since=" + encodeURIComponent(version));
  es.addEventListener("update", function (e) {
    if (e.data !== version) { version = e.data; refresh(); }
  });
})();
