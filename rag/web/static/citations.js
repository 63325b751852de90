// Citation links in the chat jump to their card in the sources panel (delegated: messages re-render).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest('a[href^="#src-"]');
  if (!link) return;
  event.preventDefault();
  var id = link.getAttribute("href").slice(1);
  var go = function () {
    var card = document.getElementById(id);
    if (!card) return;
    card.scrollIntoView({block: "nearest"});
    card.focus({preventScroll: true});
    card.classList.add("flash");
    setTimeout(function () { card.classList.remove("flash"); }, 1500);
  };
  go();
  setTimeout(go, 700);  // clicking an older answer re-renders the panel with its sources first
}, true);
