/* Grid cells that link to a page (a creator's name to /influencers/<id>). The cell's text is
   handed to React as text, never parsed as markdown or HTML, so imported text such as
   "X)[phish](https://evil.example/" shows as itself and links nowhere; the id is
   percent-encoded, so it stays one part of the path. `search` is the address query the
   link keeps (the filters); with `param`, the key goes in that query parameter instead
   (a platform row opens /overview?...&platform=<key>). */
(function () {
  "use strict";
  var renderers = window.dashAgGridComponentFunctions =
    window.dashAgGridComponentFunctions || {};

  renderers.RowLink = function (props) {
    var text = props.value == null ? "" : String(props.value);
    var key = props.data ? props.data[props.keyField] : null;
    if (key == null || key === "") {
      return text;
    }
    var search = props.search || "";
    var href;
    if (props.param) {
      var query = new URLSearchParams(search);
      query.append(props.param, String(key));
      href = props.prefix + "?" + query.toString();
    } else {
      href = props.prefix + encodeURIComponent(String(key)) + search;
    }
    // data-keep-filters with no names: assets/links.js keeps the click inside the app.
    return window.React.createElement("a", {href: href, "data-keep-filters": ""}, text);
  };
}());
