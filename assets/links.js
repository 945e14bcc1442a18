/* In-app links that keep the filters, chart clicks that open what was clicked, and a tab
   title per view. A link marked data-keep-filters="start end brand ..." takes those
   parameters from the address the person is on now (the view's callback keeps the address
   up to date with the filter bar), so the filters follow from page to page; parameters the
   link names itself win. Navigation stays inside the app: no page reload. */
(function () {
  "use strict";
  var APP = "Influencer ROI";

  function withFilters(anchor) {
    var keep = (anchor.getAttribute("data-keep-filters") || "").split(" ");
    var target = new URL(anchor.getAttribute("data-base-href") || anchor.href,
                         window.location.href);
    if (!anchor.getAttribute("data-base-href")) {
      anchor.setAttribute("data-base-href", target.pathname + target.search);
    }
    var here = new URLSearchParams(window.location.search);
    var own = new URLSearchParams(target.search);
    var merged = new URLSearchParams();
    keep.forEach(function (name) {
      if (name && !own.has(name)) {
        here.getAll(name).forEach(function (value) { merged.append(name, value); });
      }
    });
    own.forEach(function (value, name) { merged.append(name, value); });
    var query = merged.toString();
    return target.pathname + (query ? "?" + query : "");
  }

  function go(href) {
    window.history.pushState({}, "", href);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  }

  function keeper(event) {
    var anchor = event.target.closest ? event.target.closest("a[data-keep-filters]") : null;
    if (anchor) {
      anchor.href = withFilters(anchor);
    }
    return anchor;
  }

  // Hover and focus show the full address (and a new tab gets it); a plain click stays
  // in the app.
  document.addEventListener("mouseover", keeper, true);
  document.addEventListener("focusin", keeper, true);
  document.addEventListener("click", function (event) {
    var anchor = keeper(event);
    if (!anchor || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    go(anchor.href);
  }, true);

  // A chart's figure names where each of its bars or points leads in layout.meta: the
  // middle of each address, between meta.link_prefix and meta.link_search (written once per
  // chart: layouts/drill.py), by label in meta.links or, for the points of one trace, by
  // point number in meta.point_links. The view's clientside callback calls this.
  window.dashLinks = {
    drill: function (clickData, figure) {
      var meta = figure && figure.layout && figure.layout.meta;
      var point = clickData && clickData.points && clickData.points[0];
      if (!meta || !point || !(meta.links || meta.point_links)) {
        return window.dash_clientside.no_update;
      }
      var middle;
      var byPoint = meta.point_links;
      if (byPoint && point.curveNumber === byPoint.trace) {
        middle = byPoint.middles[point.pointNumber];
      } else if (meta.links) {
        // Bars name their group on an axis.
        var links = meta.links;
        middle = links[String(point.label)] || links[String(point.x)] ||
                 links[String(point.y)] || links[String(point.text)];
      }
      if (middle) {
        go((meta.link_prefix || "") + middle + (meta.link_search || ""));
      }
      return window.dash_clientside.no_update;
    }
  };

  // A label names its control for a screen reader too. Dash's dropdown names itself by its
  // value (aria-labelledby), the slider and radio groups are wrappers a label's "for"
  // cannot reach: add the label to what each announces ("Period, Last 30 days").
  function labelControls() {
    document.querySelectorAll("label[for][id]").forEach(function (label) {
      var control = document.getElementById(label.htmlFor);
      if (!control || /^(INPUT|SELECT|TEXTAREA)$/.test(control.tagName)) {
        return;
      }
      var targets = control.matches("button") ? [control] : Array.prototype.slice.call(
        control.querySelectorAll("input:not([type=hidden]):not([aria-hidden=true]), " +
                                 "[role=slider]"));
      if (control.querySelector("input[type=radio]")) {
        targets = [control];
        control.setAttribute("role", "radiogroup");
      }
      targets.forEach(function (target) {
        var names = (target.getAttribute("aria-labelledby") || "").split(" ");
        if (names.indexOf(label.id) < 0) {
          target.setAttribute("aria-labelledby",
                              [label.id].concat(names).join(" ").trim());
        }
      });
    });
  }

  // Dash's date picker puts popup states on a plain div and a name on a link without an
  // address, which assistive technology cannot use (axe: aria-allowed-attr,
  // aria-prohibited-attr). The input inside is what gets focus and carries the name; the
  // clear link becomes a button that says what it does.
  function repairDatePickers() {
    document.querySelectorAll("div[aria-haspopup=dialog]:not([role])").forEach(
      function (wrapper) {
        ["aria-haspopup", "aria-expanded", "aria-disabled", "aria-labelledby"].forEach(
          function (name) { wrapper.removeAttribute(name); });
      });
    document.querySelectorAll(".dash-datepicker-clear:not([role])").forEach(function (link) {
      link.setAttribute("role", "button");
      link.setAttribute("tabindex", "0");
    });
  }

  // The tab names the view: "ROI · Influencer ROI".
  function retitle() {
    // The innermost name wins: "Campaign MB_Jan" inside "Campaigns".
    var named = document.querySelectorAll("[data-page-title]");
    var page = named.length ? named[named.length - 1] : null;
    var title = page ? page.getAttribute("data-page-title") + " · " + APP : APP;
    if (document.title !== title) {
      document.title = title;
    }
  }
  // Every in-app link shows the address it will open, filters included, before any hover:
  // what a copied link or a screen reader reads is where a click goes.
  function refreshLinks() {
    document.querySelectorAll("a[data-keep-filters]").forEach(function (anchor) {
      var href = withFilters(anchor);
      if (anchor.getAttribute("href") !== href) {
        anchor.setAttribute("href", href);
      }
    });
  }

  new MutationObserver(function () {
    retitle();
    labelControls();
    repairDatePickers();
    refreshLinks();
  }).observe(document.documentElement, {childList: true, subtree: true});
}());
