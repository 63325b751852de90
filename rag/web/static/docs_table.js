// The documents table tells Python which document to preview or delete (runs as the table's js_on_load).
// Delete asks first: the row shows "remove from the index? yes / cancel" in place of its delete button.
element.addEventListener("click", function (event) {
  var row = event.target.closest("tr.doc-row");
  if (!row) return;
  if (event.target.closest("button.doc-del")) {
    element.querySelectorAll("tr.confirming").forEach(function (r) { r.classList.remove("confirming"); });
    row.classList.add("confirming");
    row.querySelector("button.doc-no").focus();
    return;
  }
  if (event.target.closest("button.doc-no")) {
    row.classList.remove("confirming");
    row.querySelector("button.doc-del").focus();
    return;
  }
  if (event.target.closest("button.doc-yes")) {
    trigger("click", {action: "delete", doc_id: row.dataset.doc});
    return;
  }
  if (event.target.closest(".doc-actions")) return;
  trigger("click", {action: "open", doc_id: row.dataset.doc});
});
