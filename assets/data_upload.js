/* Data page: drag-and-drop CSV upload with a progress bar (the commit is a Dash background job).
   Files go as multipart to /data/upload (never base64 through a Dash callback); the JSON
   report is handed to Dash with set_props, so the page renders it like any other data. */
(function () {
  "use strict";

  // After sign-out the back button must not show numbers from the browser's page cache.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // dbc.Progress takes no aria props; a progress bar needs a name for screen readers, so
  // the bar is named whenever the page draws it.
  function nameProgressBars() {
    var bars = document.querySelectorAll("#data-progress [role=progressbar]:not([aria-label])");
    Array.prototype.forEach.call(bars, function (bar) {
      bar.setAttribute("aria-label", "Upload progress");
    });
  }
  if (window.MutationObserver) {
    new MutationObserver(nameProgressBars).observe(document.documentElement,
                                                   {childList: true, subtree: true});
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function setProps(id, props) {
    // Stores have no DOM element, so ask Dash itself; a page left meanwhile is no error.
    try {
      window.dash_clientside.set_props(id, props);
    } catch (error) {
      if (window.console) { console.warn("data upload: cannot update " + id, error); }
    }
  }

  function sizeText(bytes) {
    if (bytes < 1024 * 1024) { return (bytes / 1024).toFixed(1) + " KB"; }
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function readReply(xhr) {
    try { return JSON.parse(xhr.responseText); } catch (error) { return null; }
  }

  function failure(xhr, fallback) {
    var reply = readReply(xhr);
    if (reply && reply.error) { return reply.error; }
    if (xhr.status === 401) { return "Your session has ended. Sign in again, then upload the files."; }
    if (xhr.status === 403) { return "Your role cannot upload data. Ask an admin."; }
    if (xhr.status === 413) { return "The upload is larger than the size limit shown above."; }
    if (!xhr.status) { return fallback + " The server could not be reached; check your connection and try again."; }
    return fallback + " Try again in a moment; if it keeps happening, tell an admin.";
  }

  function post(url, body, onProgress, onDone) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    if (typeof body === "string") { xhr.setRequestHeader("Content-Type", "application/json"); }
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    if (onProgress) { xhr.upload.addEventListener("progress", onProgress); }
    xhr.addEventListener("load", function () { onDone(xhr); });
    xhr.addEventListener("error", function () { onDone(xhr); });
    xhr.send(body);
  }

  function upload(fileList) {
    var files = Array.prototype.slice.call(fileList || []);
    if (!files.length) { return; }
    var form = new FormData();
    var total = 0;
    files.forEach(function (file) { form.append("files", file, file.name); total += file.size; });
    var what = files.length + (files.length === 1 ? " file" : " files") + " (" + sizeText(total) + ")";
    setProps("data-report", {data: null});
    setProps("data-progress", {value: 0, label: "0%", animated: true, striped: true});
    setProps("data-status", {children: "Uploading " + what + " ..."});
    post("/data/upload", form, function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round(100 * event.loaded / event.total);
      setProps("data-progress", {value: percent, label: percent + "%"});
      setProps("data-status", {children: percent < 100 ? "Uploading " + what + ": " + percent + "%"
                                                      : "Checking " + what + " ..."});
    }, function (xhr) {
      setProps("data-progress", {value: 100, label: "100%", animated: false, striped: false});
      if (xhr.status === 200) {
        setProps("data-status", {children: "Checked " + what + "."});
        setProps("data-report", {data: readReply(xhr)});
      } else {
        setProps("data-status", {children: ""});
        setProps("data-report", {data: {ok: false, error: failure(xhr, "The upload failed")}});
      }
    });
  }

  function chooseFiles() {
    var input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.accept = ".csv,text/csv";
    input.id = "data-file-input";
    input.style.display = "none";
    input.addEventListener("change", function () { upload(input.files); input.remove(); });
    document.body.appendChild(input);
    input.click();
  }

  function dropzone(event) {
    return event.target && event.target.closest ? event.target.closest("#data-dropzone") : null;
  }

  document.addEventListener("dragover", function (event) {
    var zone = dropzone(event);
    if (zone) { event.preventDefault(); zone.classList.add("dragging"); }
  });
  document.addEventListener("dragleave", function (event) {
    var zone = dropzone(event);
    if (zone) { zone.classList.remove("dragging"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = dropzone(event);
    if (zone) {
      event.preventDefault();
      zone.classList.remove("dragging");
      upload(event.dataTransfer.files);
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) { return; }
    if (target.closest("#data-dropzone")) { chooseFiles(); }
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target &&
        event.target.id === "data-dropzone") {
      event.preventDefault();
      chooseFiles();
    }
  });

  // Tests and scripts hand files over without a drag gesture.
  window.roiUpload = upload;
})();
