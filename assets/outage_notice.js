/* Every page: when a Dash callback gets a 503 (the database is not answering), show the
   server's plain message in a banner, since the renderer itself shows nothing; the next
   callback that succeeds removes it. */
(function () {
  "use strict";

  var NOTICE_ID = "outage-notice";
  var realFetch = window.fetch;
  if (!realFetch) { return; }

  function isCallback(resource) {
    var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
    return url.indexOf("/_dash-update-component") !== -1;
  }

  function showNotice(message) {
    var notice = document.getElementById(NOTICE_ID);
    if (!notice) {
      notice = document.createElement("div");
      notice.id = NOTICE_ID;
      notice.className = "alert alert-warning text-center m-0 rounded-0";
      notice.setAttribute("role", "alert");
      notice.style.position = "sticky";
      notice.style.top = "0";
      notice.style.zIndex = "2000";
      document.body.insertBefore(notice, document.body.firstChild);
    }
    // Text, never markup: the message comes from the server but is shown as it is.
    notice.textContent = message;
  }

  function hideNotice() {
    var notice = document.getElementById(NOTICE_ID);
    if (notice) { notice.parentNode.removeChild(notice); }
  }

  window.fetch = function (resource, init) {
    var answer = realFetch.apply(this, arguments);
    if (!isCallback(resource)) { return answer; }
    return answer.then(function (response) {
      if (response.status === 503) {
        response.clone().json().then(function (body) {
          showNotice((body && body.error) ||
                     "The database is not answering; try again in a minute.");
        }, function () {
          showNotice("The database is not answering; try again in a minute.");
        });
      } else if (response.ok) {
        hideNotice();
      }
      return response;
    });
  };
})();
