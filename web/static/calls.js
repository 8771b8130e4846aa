// Looks the caller up by phone as soon as the number is typed, and fills in the known file.
(function () {
  const form = document.getElementById("call-form");
  if (!form) return;
  const phone = document.getElementById("phone");
  const result = document.getElementById("lookup-result");
  async function lookup() {
    if (phone.value.replace(/\D/g, "").length < 7) return;
    const url = form.dataset.lookup + "?phone=" + encodeURIComponent(phone.value);
    const found = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
    if (found.error) { result.textContent = found.error; return; }
    if (!found.found) { result.textContent = result.dataset.new; return; }
    result.textContent = `${found.name} · ${found.district} · ${found.address}`;
    for (const field of ["customer_name", "address", "district"]) {
      const input = document.getElementById(field);
      if (!input.value) input.value = found[field === "customer_name" ? "name" : field] || "";
    }
    const owned = document.getElementById("owned");
    owned.innerHTML = "";
    for (const p of found.products) {
      const option = document.createElement("option");
      option.value = p.serial; option.label = p.product;
      owned.appendChild(option);
    }
  }
  phone.addEventListener("change", lookup);
  phone.addEventListener("blur", lookup);
})();
