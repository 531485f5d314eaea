// captioner's page: an image gets its caption from POST /v1/captions; a
// video is uploaded to POST /v1/jobs, its job followed until done, then
// played from the local file with the generated WebVTT track.
"use strict";

const $ = (id) => document.getElementById(id);

function headers() {
  const token = $("token").value.trim();
  if (token) localStorage.setItem("captioner-token", token);
  return token ? { Authorization: "Bearer " + token } : {};
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function errorText(resp) {
  try {
    const body = await resp.json();
    return body.error.message + " (" + body.error.code + ")";
  } catch (e) {
    return resp.status + " " + resp.statusText;
  }
}

async function captionImage(file) {
  $("video-result").hidden = true;
  $("image-result").hidden = false;
  $("preview").src = URL.createObjectURL(file);
  $("caption").textContent = "";
  $("caption-meta").textContent = "";
  $("boxes").textContent = "";
  status("Captioning " + file.name + "…");
  const resp = await fetch("/v1/captions", {
    method: "POST",
    headers: Object.assign({ "Content-Type": file.type || "application/octet-stream" }, headers()),
    body: file,
  });
  if (!resp.ok) {
    status(file.name + ": " + (await errorText(resp)), true);
    return;
  }
  const c = await resp.json();
  // The detector's boxes, as fractions of the image: they stay in place
  // at any size the image is shown.
  for (const o of c.objects || []) {
    const [x0, y0, x1, y1] = o.box;
    const box = document.createElement("div");
    box.className = "box";
    box.style.left = 100 * x0 + "%";
    box.style.top = 100 * y0 + "%";
    box.style.width = 100 * (x1 - x0) + "%";
    box.style.height = 100 * (y1 - y0) + "%";
    const label = document.createElement("span");
    label.textContent = o.class + " " + o.score.toFixed(2);
    box.appendChild(label);
    $("boxes").appendChild(box);
  }
  $("caption").textContent = c.caption;
  $("caption-meta").textContent = "domain " + c.domain + ", confidence " + c.confidence.toFixed(2) +
    (c.low_confidence ? " (low confidence: a guess)" : "") + ", " + (c.elapsed * 1000).toFixed(0) + " ms";
  status("");
}

// upload sends the file with XMLHttpRequest, whose upload progress fetch
// does not report.
function upload(file) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/jobs");
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        $("upload-progress").value = e.loaded / e.total;
        $("upload-text").textContent = Math.round((100 * e.loaded) / e.total) + " %";
      }
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) {}
      if (xhr.status === 202) resolve(body);
      else reject(new Error(body.error ? body.error.message + " (" + body.error.code + ")" : xhr.status + " " + xhr.statusText));
    };
    xhr.onerror = () => reject(new Error("the upload failed"));
    xhr.send(file);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function fetchText(url) {
  const resp = await fetch(url, { headers: headers() });
  if (!resp.ok) throw new Error(await errorText(resp));
  return resp.text();
}

async function subtitleVideo(file) {
  $("image-result").hidden = true;
  $("video-result").hidden = false;
  for (const id of ["job-id", "job-state", "job-error", "upload-text", "player", "downloads", "cues"]) $(id).textContent = "";
  $("upload-progress").value = 0;
  $("job-progress").value = 0;
  status("Uploading " + file.name + "…");
  let job;
  try {
    job = await upload(file);
  } catch (e) {
    status(file.name + ": " + e.message, true);
    return;
  }
  $("upload-progress").value = 1;
  $("upload-text").textContent = "100 %";
  $("job-id").textContent = job.id;
  status("");
  while (job.state !== "done" && job.state !== "failed") {
    $("job-state").textContent = job.state;
    $("job-progress").value = job.progress;
    await sleep(500);
    const resp = await fetch("/v1/jobs/" + job.id, { headers: headers() });
    if (!resp.ok) {
      $("job-error").textContent = await errorText(resp);
      return;
    }
    job = await resp.json();
  }
  $("job-progress").value = job.progress;
  if (job.state === "failed") {
    $("job-state").textContent = "failed";
    $("job-error").textContent = job.error;
    return;
  }
  const base = "/v1/jobs/" + job.id + "/subtitles.";
  const vtt = await fetchText(base + "vtt");
  const srt = await fetchText(base + "srt");
  const video = document.createElement("video");
  video.id = "video";
  video.controls = true;
  video.src = URL.createObjectURL(file);
  const track = document.createElement("track");
  track.kind = "captions";
  track.label = "captioner";
  track.srclang = "en";
  track.default = true;
  track.src = URL.createObjectURL(new Blob([vtt], { type: "text/vtt" }));
  video.appendChild(track);
  $("player").appendChild(video);
  video.textTracks[0].mode = "showing";
  const stem = file.name.replace(/\.[^.]*$/, "") || "subtitles";
  for (const [ext, text, type] of [["vtt", vtt, "text/vtt"], ["srt", srt, "application/x-subrip"]]) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = stem + "." + ext;
    a.id = "download-" + ext;
    a.textContent = "Download " + ext.toUpperCase();
    $("downloads").append(a, " ");
  }
  for (const c of job.result.cues) {
    const li = document.createElement("li");
    li.textContent = c.start.toFixed(1) + "–" + c.end.toFixed(1) + " s: " + c.text;
    $("cues").appendChild(li);
  }
  // Set last: a test (or a person) waiting for "done" finds everything in place.
  $("job-state").textContent = "done" + (job.cached ? " (answered from the store)" : "");
}

function handle(file) {
  if (!file) return;
  const run = file.type.startsWith("video/") ? subtitleVideo : file.type.startsWith("image/") ? captionImage : null;
  if (run) {
    run(file).catch((e) => status(file.name + ": " + e.message, true));
    return;
  }
  // An unknown type: the server tells images from videos by content.
  subtitleVideo(file).catch((e) => status(file.name + ": " + e.message, true));
}

$("token").value = localStorage.getItem("captioner-token") || "";
$("file").addEventListener("change", (e) => handle(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  handle(e.dataTransfer.files[0]);
});
