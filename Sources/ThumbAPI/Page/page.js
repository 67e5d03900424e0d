// The upload page: picks or drops photos, uploads each one to POST /v1/jobs with a progress bar,
// follows its job (GET /v1/jobs/{id}?wait=20) until it ends, and shows the thumbnails; lists the
// caller's recent jobs. Every string that came from a user or the server is inserted as text
// (textContent, attributes set one by one), never as HTML.
"use strict";

const auth = document.body.dataset.auth;
const keyInput = document.getElementById("api-key");
const keyStorage = "thumbd.apiKey";
const finalStates = new Set(["complete", "failed", "cancelled"]);

/** An element with text and attributes, without ever parsing HTML. */
function element(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  return node;
}

function headers() {
  const result = { Accept: "application/json" };
  const key = auth === "keys" ? keyInput.value.trim() : "";
  if (key) result.Authorization = "Bearer " + key;
  return result;
}

/** The sizes form field: "" for the service's default, else e.g. "150x150:fill". */
function chosenSizes() {
  const preset = document.querySelector('input[name="preset"]:checked').value;
  if (preset !== "custom") return preset;
  const width = document.getElementById("custom-width").value;
  const height = document.getElementById("custom-height").value;
  const mode = document.getElementById("custom-mode").value;
  return width + "x" + height + (mode === "fill" ? ":fill" : "");
}

/** The words to show for an error answer: the problem's title and detail (RFC 9457). */
function problemText(status, body) {
  if (body && typeof body === "object" && body.title) return { title: body.title, detail: body.detail || "" };
  return { title: "The request failed (HTTP " + status + ")", detail: "" };
}

function parseJSON(text) {
  try { return JSON.parse(text); } catch (error) { return null; }
}

function showError(card, problem) {
  card.state.textContent = "";
  card.progress.hidden = true;
  card.error.replaceChildren(element("span", problem.title), element("span", problem.detail, { class: "detail" }));
}

/** Only http(s) URLs go into src and href (the server builds them; this is defence in depth). */
function safeURL(text) {
  try {
    const url = new URL(text, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (error) {
    return null;
  }
}

function showThumbnails(container, job, name) {
  const outputs = (job.outputs || []).filter((output) => safeURL(output.url));
  const figures = outputs.map((output) => {
    const figure = element("figure");
    const size = output.width + " × " + output.height;
    const image = element("img", null, {
      src: safeURL(output.url), width: output.width, height: output.height, alt: "Thumbnail of " + name + ", " + size,
    });
    const caption = element("figcaption", size + " ");
    caption.append(element("a", "full output", {
      href: safeURL(output.url), target: "_blank", rel: "noopener noreferrer", "aria-label": "Full output of " + name + ", " + size,
    }));
    figure.append(image, caption);
    return figure;
  });
  container.replaceChildren(...figures);
}

function describeState(job) {
  switch (job.status) {
    case "pending": return "Queued: waiting for a worker";
    case "processing": return "Making thumbnails";
    case "complete": return "Done";
    case "cancelled": return "Cancelled";
    case "failed": return "Failed";
    default: return job.status;
  }
}

function newCard(file) {
  const item = element("li", null, { class: "card" });
  const card = {
    item,
    name: element("div", file.name, { class: "name" }),
    progress: element("progress", null, { max: 100, value: 0, "aria-label": "Upload of " + file.name }),
    state: element("div", "Uploading", { class: "state" }),
    error: element("div", null, { class: "error" }),
    thumbs: element("div", null, { class: "thumbs" }),
  };
  item.append(card.name, card.progress, card.state, card.error, card.thumbs);
  document.getElementById("uploads").prepend(item);
  return card;
}

/** Uploads one file (XMLHttpRequest: fetch cannot report upload progress). */
function upload(file, card, sizes, sent) {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append("image", file, file.name);
    if (sizes) form.append("sizes", sizes);
    const request = new XMLHttpRequest();
    request.open("POST", "/v1/jobs");
    for (const [name, value] of Object.entries(sent)) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) card.progress.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => resolve({ status: request.status, body: parseJSON(request.responseText) }));
    request.addEventListener("error", () => resolve({ status: 0, body: null }));
    request.send(form);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let following = 0;

/**
 * Follows a job until it ends: each GET waits on the server for the status to change (`?wait=20`;
 * no wait while several jobs are followed, so they do not hold the browser's six connections), at
 * least a second apart. A lost connection, 429 or 503 is retried with backoff (Retry-After when
 * given); after a minute of that the card says so and stops, and the job carries on regardless.
 */
async function follow(job, card, name, sent) {
  let current = job;
  let failures = 0;
  following += 1;
  try {
    while (!finalStates.has(current.status)) {
      card.state.textContent = describeState(current);
      const started = Date.now();
      const wait = following > 3 ? 0 : 20;
      let response = null;
      let body = null;
      try {
        response = await fetch("/v1/jobs/" + encodeURIComponent(current.id) + "?wait=" + wait, { headers: sent });
        body = await response.json().catch(() => null);
      } catch (error) {
        response = null;
      }
      if (response && response.ok) {
        failures = 0;
        current = body;
      } else if (!response || response.status === 429 || response.status === 503) {
        failures += 1;
        if (failures > 6) {
          showError(card, { title: "Lost contact with the service", detail: "The job may still finish: see Your recent jobs." });
          return;
        }
        const retryAfter = response && Number(response.headers.get("Retry-After"));
        await sleep(retryAfter > 0 ? retryAfter * 1000 : Math.min(1000 * 2 ** failures, 15000));
        continue;
      } else {
        showError(card, problemText(response.status, body));
        return;
      }
      const elapsed = Date.now() - started;
      if (!finalStates.has(current.status) && elapsed < 1000) await sleep(1000 - elapsed);
    }
  } finally {
    following -= 1;
  }
  card.state.textContent = describeState(current);
  if (current.status === "failed" && current.error) {
    showError(card, { title: current.error.title || "The thumbnails could not be made", detail: current.error.message });
  }
  showThumbnails(card.thumbs, current, name);
  loadHistory();
}

/** At most this many uploads at once; the rest wait their turn (their cards say so). */
const uploadSlots = 3;
let uploading = 0;
const waiting = [];

async function send(file) {
  const card = newCard(file);
  const sizes = chosenSizes();
  const sent = headers();
  if (uploading >= uploadSlots) {
    card.state.textContent = "Waiting to upload";
    await new Promise((resolve) => waiting.push(resolve));
  }
  uploading += 1;
  let result;
  try {
    card.state.textContent = "Uploading";
    result = await upload(file, card, sizes, sent);
  } finally {
    uploading -= 1;
    const next = waiting.shift();
    if (next) next();
  }
  card.progress.value = 100;
  if (result.status === 0) {
    showError(card, { title: "The upload did not reach the service", detail: "Check the connection and try again." });
    return;
  }
  if (result.status !== 201 && result.status !== 202) {
    showError(card, problemText(result.status, result.body));
    return;
  }
  card.progress.hidden = true;
  await follow(result.body, card, file.name, sent);
}

function sendAll(files) {
  for (const file of files) {
    send(file).catch((error) => console.warn("upload of", file.name, "stopped:", error));
  }
}

function historyName(job) {
  const key = (job.source && job.source.key) || job.id;
  return key.slice(key.lastIndexOf("/") + 1);
}

let historyTimer = null;
let historyRequest = 0;

/** Reloads "Your recent jobs" shortly (several finishing jobs make one request); stale answers are dropped. */
function loadHistory() {
  clearTimeout(historyTimer);
  historyTimer = setTimeout(() => {
    const ticket = ++historyRequest;
    refreshHistory(ticket).catch((error) => {
      if (ticket !== historyRequest) return;
      const status = document.getElementById("history-status");
      status.classList.add("bad");
      status.textContent = "The list could not be loaded: " + error.message;
    });
  }, 250);
}

async function refreshHistory(ticket) {
  const status = document.getElementById("history-status");
  const list = document.getElementById("history");
  if (auth === "keys" && !keyInput.value.trim()) {
    list.replaceChildren();
    status.classList.remove("bad");
    status.textContent = "Enter your API key to see your jobs.";
    return;
  }
  const response = await fetch("/v1/jobs?limit=20", { headers: headers() });
  const body = await response.json().catch(() => null);
  if (ticket !== historyRequest) return;  // a newer request (another key, another job) answers instead
  status.classList.remove("bad");
  if (!response.ok) {
    list.replaceChildren();
    const problem = problemText(response.status, body);
    status.classList.add("bad");
    status.textContent = problem.title + (problem.detail ? ". " + problem.detail : "");
    return;
  }
  const jobs = (body && body.jobs) || [];
  status.textContent = jobs.length ? "" : "No jobs yet.";
  list.replaceChildren(...jobs.map((job) => {
    const item = element("li", null, { class: "card" });
    const name = historyName(job);
    const thumbs = element("div", null, { class: "thumbs" });
    showThumbnails(thumbs, job, name);
    item.append(element("div", name, { class: "name" }), element("div", describeState(job) + ", " + job.created_at, { class: "state" }), thumbs);
    return item;
  }));
}

function setUp() {
  document.getElementById("default-sizes").textContent = document.body.dataset.sizes.split(",").join(", ");
  if (auth === "keys") {
    document.getElementById("key-section").hidden = false;
    keyInput.value = localStorage.getItem(keyStorage) || "";
    keyInput.addEventListener("change", () => {
      localStorage.setItem(keyStorage, keyInput.value.trim());
      loadHistory();
    });
  }
  for (const radio of document.querySelectorAll('input[name="preset"]')) {
    radio.addEventListener("change", () => {
      document.getElementById("custom").hidden = document.querySelector('input[name="preset"]:checked').value !== "custom";
    });
  }
  const input = document.getElementById("files");
  input.addEventListener("change", () => {
    sendAll(Array.from(input.files));
    input.value = "";
  });
  // A photo dropped beside the box must not make the browser open it in place of the page.
  for (const type of ["dragover", "drop"]) document.addEventListener(type, (event) => event.preventDefault());
  const drop = document.getElementById("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    sendAll(Array.from(event.dataTransfer.files));
  });
  document.getElementById("refresh").addEventListener("click", loadHistory);
  loadHistory();
}

setUp();
