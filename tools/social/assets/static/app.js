// hams social: optional enhancement. Every action is a plain form that works
// without JavaScript; with it, new posts appear without a reload.
(function () {
  "use strict";
  document.documentElement.setAttribute("data-js", "on");
  if (!window.EventSource || !window.fetch) return;
  var body = document.body;
  if (body.getAttribute("data-live") !== "true") return;
  var version = body.getAttribute("data-version");
  var busy = false, again = false;
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
