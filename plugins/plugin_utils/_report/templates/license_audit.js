// Sorting and filtering of the host table. The script reads everything from the DOM
// (data-* attributes and cell text) and writes only textContent and attributes, so no
// host value ever passes through the HTML or JavaScript parser a second time.
(function () {
  'use strict';
  var table = document.getElementById('hosts');
  var filter = document.getElementById('host-filter');
  var status = document.getElementById('status-filter');
  var shown = document.getElementById('shown-count');
  if (!table || !filter || !status || !shown) {
    return;
  }
  // Only in a report with a baseline, and in one audited with waivers.
  var change = document.getElementById('change-filter');
  var waiver = document.getElementById('waiver-filter');
  var showNewProblems = document.getElementById('show-new-problems');
  var bodies = Array.prototype.slice.call(table.tBodies);
  var headers = table.tHead.rows[0].cells;
  var sortIndex = -1;
  var sortDirection = 1;

  function changeMatches(body) {
    if (!change || !change.value) {
      return true;
    }
    // An option's value is one change or several, separated by spaces.
    return change.value.split(' ').indexOf(body.getAttribute('data-change') || '') !== -1;
  }

  function waiverMatches(body) {
    var wanted = waiver ? waiver.value : '';
    var state = body.getAttribute('data-waiver') || '';
    if (wanted === 'waived') {
      return state === 'active';
    }
    if (wanted === 'not-waived') {
      return state !== 'active';
    }
    if (wanted === 'expired') {
      return state === 'expired';
    }
    return true;
  }

  function applyFilter() {
    var text = filter.value.trim().toLowerCase();
    var wanted = status.value;
    var count = 0;
    bodies.forEach(function (body) {
      var visible = (!wanted || body.getAttribute('data-status') === wanted) &&
        changeMatches(body) && waiverMatches(body) &&
        (!text || (body.getAttribute('data-search') || '').indexOf(text) !== -1);
      body.hidden = !visible;
      if (visible) {
        count += 1;
      }
    });
    shown.textContent = count + ' of ' + bodies.length + ' hosts shown';
  }

  function sortValue(body, index) {
    var cell = body.rows[0].cells[index];
    return cell ? (cell.getAttribute('data-sort') || cell.textContent || '') : '';
  }

  function compare(index, numeric) {
    return function (a, b) {
      var x = sortValue(a, index);
      var y = sortValue(b, index);
      if (numeric) {
        // Empty cells (no value) sort after every number in both directions.
        if (x === '' || y === '') {
          return x === y ? 0 : (x === '' ? 1 : -1) * sortDirection;
        }
        return (Number(x) - Number(y)) * sortDirection;
      }
      return x.localeCompare(y, undefined, {numeric: true, sensitivity: 'base'}) * sortDirection;
    };
  }

  Array.prototype.forEach.call(headers, function (header, index) {
    var button = header.querySelector('button');
    if (!button) {
      return;
    }
    button.addEventListener('click', function () {
      sortDirection = sortIndex === index ? -sortDirection : 1;
      sortIndex = index;
      bodies.sort(compare(index, header.getAttribute('data-type') === 'number'));
      bodies.forEach(function (body) {
        table.appendChild(body);
      });
      Array.prototype.forEach.call(headers, function (other) {
        other.removeAttribute('aria-sort');
      });
      header.setAttribute('aria-sort', sortDirection === 1 ? 'ascending' : 'descending');
    });
  });

  filter.addEventListener('input', applyFilter);
  status.addEventListener('change', applyFilter);
  if (change) {
    change.addEventListener('change', applyFilter);
  }
  if (waiver) {
    waiver.addEventListener('change', applyFilter);
  }
  if (change && showNewProblems) {
    // The button names the change filter's option it selects.
    showNewProblems.addEventListener('click', function () {
      change.value = showNewProblems.getAttribute('data-change') || '';
      applyFilter();
      table.scrollIntoView();
    });
  }
  applyFilter();
}());
