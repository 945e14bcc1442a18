/* Dash's sliders draw their handle (role="slider") without a name, and take no aria props.
   Each handle gets the text of the <label for="slider id"> the page gives its slider, so a
   screen reader says "Posts a period, × the most a creator has made, slider, 1". */
(function () {
  "use strict";

  function nameSliderHandles() {
    var handles = document.querySelectorAll('[role="slider"]:not([aria-label])');
    Array.prototype.forEach.call(handles, function (handle) {
      var owner = handle.closest("[id]");
      var label = owner && document.querySelector('label[for="' + owner.id + '"]');
      if (label && label.textContent.trim()) {
        handle.setAttribute("aria-label", label.textContent.trim());
      }
    });
  }

  if (window.MutationObserver) {
    new MutationObserver(nameSliderHandles).observe(document.documentElement,
                                                    {childList: true, subtree: true});
  }
}());
