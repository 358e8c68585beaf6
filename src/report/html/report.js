// Filters of report.html: by verdict, level, fact and page (with the
// alignment to that page). The state lives in the URL fragment, so a
// filtered view can be linked: report.html#verdict=fail&variant=legacy
(function () {
  "use strict";
  var VARIANTS = ["en", "es", "legacy", "overview"];
  var form = document.getElementById("filters");
  var names = ["verdict", "level", "fact", "variant", "alignment"];

  function current() {
    var state = {};
    names.forEach(function (name) {
      state[name] = form.elements[name].value.trim();
    });
    return state;
  }

  function matches(el, state) {
    var data = el.dataset;
    if (state.verdict && data.verdict !== state.verdict) return false;
    if (state.level && data.level !== state.level) return false;
    if (state.fact && data.fact.indexOf(state.fact) === -1) return false;
    if (state.alignment) {
      var pages = state.variant ? [state.variant] : VARIANTS;
      if (!pages.some(function (v) { return data[v] === state.alignment; })) return false;
    }
    return true;
  }

  function apply() {
    var state = current();
    var shown = {};
    var total = {};
    document.querySelectorAll("[data-row]").forEach(function (el) {
      var group = el.dataset.row;
      var visible = matches(el, state);
      el.hidden = !visible;
      total[group] = (total[group] || 0) + 1;
      shown[group] = (shown[group] || 0) + (visible ? 1 : 0);
    });
    document.querySelectorAll("[data-count-for]").forEach(function (el) {
      var group = el.dataset.countFor;
      el.textContent = "(" + (shown[group] || 0) + " of " + (total[group] || 0) + ")";
    });
    document.querySelectorAll("[data-empty-for]").forEach(function (el) {
      var group = el.dataset.emptyFor;
      el.hidden = !total[group] || shown[group] > 0;
    });
    document.querySelectorAll("[data-col], [data-page]").forEach(function (el) {
      var page = el.dataset.col || el.dataset.page;
      el.hidden = Boolean(state.variant) && page !== state.variant;
    });
    var active = names.filter(function (name) { return state[name]; });
    document.getElementById("filter-status").textContent = active.length
      ? "filtered by " + active.map(function (n) { return n + " " + state[n]; }).join(", ")
      : "showing everything";
    var fragment = active.map(function (n) {
      return n + "=" + encodeURIComponent(state[n]);
    }).join("&");
    if (window.history && window.history.replaceState) {
      try {
        window.history.replaceState(null, "", fragment ? "#" + fragment : window.location.pathname + window.location.search);
      } catch (e) {
        // Some viewers forbid changing the URL of a local file: the filters still work.
      }
    }
  }

  function fromFragment() {
    var text = window.location.hash.replace(/^#/, "");
    if (text.indexOf("=") === -1) return;
    text.split("&").forEach(function (pair) {
      var parts = pair.split("=");
      var field = form.elements[parts[0]];
      if (field && names.indexOf(parts[0]) !== -1) {
        field.value = decodeURIComponent(parts[1] || "");
      }
    });
  }

  function copy(button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var text = source.textContent;
    var done = function () {
      button.textContent = "copied";
      window.setTimeout(function () { button.textContent = "copy"; }, 1500);
    };
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = "selected";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, select);
    } else {
      select();
    }
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (button) copy(button);
  });
  fromFragment();
  apply();
})();
