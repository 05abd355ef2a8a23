// Search box of the offline docs: SEARCH_INDEX ([page, anchor, heading, text] per section) comes from search_index.js.
function search(index, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean), score = (h) => words.filter((w) => h.toLowerCase().includes(w)).length;
  if (!words.length) return [];
  return index.filter(([, , h, t]) => words.every((w) => (h + ' ' + t).toLowerCase().includes(w)))
    .sort((a, b) => score(b[2]) - score(a[2])).slice(0, 40);
}
if (typeof module !== 'undefined') module.exports = { search };
else {
  const box = document.getElementById('search'), hits = document.getElementById('hits');
  const show = () => hits.replaceChildren(...search(SEARCH_INDEX, box.value).map(([page, anchor, heading, text]) => {
    const li = document.createElement('li'), a = li.appendChild(document.createElement('a'));
    const at = Math.max(0, text.toLowerCase().indexOf(box.value.toLowerCase().split(/\s+/)[0]) - 40);
    a.href = page + (anchor ? '#' + anchor : ''); a.textContent = heading;
    li.appendChild(document.createElement('small')).textContent = (at ? '…' : '') + text.slice(at, at + 120) + '…';
    return li;
  }));
  box.addEventListener('input', show);
  box.value = new URLSearchParams(location.search).get('q') || '';
  show();
}
