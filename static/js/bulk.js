// 全选 on the bulk pages: a checkbox with data-select-all="<name>" ticks every checkbox of that name in its form.
// Without script the box stays hidden and each row is ticked by hand.
document.querySelectorAll("input[data-select-all]").forEach(function (all) {
  var boxes = all.form.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]');
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = Array.prototype.every.call(boxes, function (b) { return b.checked; });
    });
  });
});
