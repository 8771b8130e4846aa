// Polls a background planning run and reloads the board when it ends.
(function () {
  const box = document.getElementById("run");
  if (!box) return;
  const bar = document.getElementById("run-progress");
  const error = document.getElementById("run-error");
  const found = document.getElementById("run-found");
  async function poll() {
    const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    const run = await response.json();
    bar.value = run.progress;
    found.textContent = run.plans_found ? `${run.plans_found} · ${run.best_objective}` : "";
    if (run.state === "done") {
      window.location = box.dataset.done + "&version=" + run.version_id;
    } else if (run.state === "failed") {
      error.textContent = run.error;
    } else {
      setTimeout(poll, 500);
    }
  }
  poll();
})();
