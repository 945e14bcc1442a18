/* Grid cells that link to a page (a creator's name to /influencers/<id>). The cell's text is
   handed to React as text, never parsed as markdown or HTML, so imported text such as
   "X)[phish](https://evil.example/" shows as itself and links nowhere; the id is
   percent-encoded, so it stays one part of the path. */
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
    return window.React.createElement(
      "a", {href: props.prefix + encodeURIComponent(String(key))}, text);
  };
}());
