/* Value formatters the grids call by name (dash-ag-grid reads window.dashAgGridFunctions):
   the browser twin of layouts/numbers.py for rupees in lakh and crore. A function, not an
   expression, because dash-ag-grid's expression reader takes no function bodies. */
(function () {
  "use strict";
  var functions = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
  var LAKH = 100000;
  var CRORE = 10000000;
  // d3 is only in scope of the grid's expressions, not here: the browser's own formats.
  var whole = new Intl.NumberFormat("en-US", {maximumFractionDigits: 0});
  var tenths = new Intl.NumberFormat("en-US", {minimumFractionDigits: 1,
                                               maximumFractionDigits: 1});

  functions.rupeesShort = function (value) {
    if (value == null) {
      return "–";
    }
    var amount = Math.abs(value);
    var sign = value < 0 ? "−" : "";
    if (amount >= CRORE) {
      return sign + "₹" + tenths.format(amount / CRORE) + " Cr";
    }
    if (amount >= LAKH) {
      return sign + "₹" + (amount / LAKH).toFixed(1) + " L";
    }
    return sign + "₹" + whole.format(amount);
  };
}());
