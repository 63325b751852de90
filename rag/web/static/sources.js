// The sources panel tells Python which passage to open (runs as the panel's js_on_load).
element.addEventListener("click", function (event) {
  var button = event.target.closest("button.open-doc");
  if (!button) return;
  trigger("click", {doc_id: button.dataset.doc, start: Number(button.dataset.start),
                    end: Number(button.dataset.end)});
});
