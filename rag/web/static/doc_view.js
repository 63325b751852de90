// The document view scrolls to its <mark> whenever it changes (runs as the view's js_on_load).
watch("value", function () {
  var mark = element.querySelector("#doc-mark");
  if (!mark) return;
  var box = element.querySelector(".doc-text");
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);  // inside the document box
  mark.setAttribute("tabindex", "-1");
  mark.scrollIntoView({block: "nearest"});  // and the page, only as far as needed
  mark.focus({preventScroll: true});
});
