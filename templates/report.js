// tollgate -o html: draws the findings table from the JSON in #findings-data, one page at a
// time, with sorting, filters and a search box. Text goes into the page only through
// textContent, never as markup.
(function () {
  "use strict";
  var source = document.getElementById("findings-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var head = data.head;
  var rows = data.rows;
  // Row layout: [rule, severity, status, name, id, group, region, message, note].
  var RULE = 0, SEV = 1, STATUS = 2, NAME = 3, ID = 4, GROUP = 5, REGION = 6, MSG = 7, NOTE = 8;
  var PAGE = head.page;

  var $ = function (id) { return document.getElementById(id); };
  var tbody = $("rows");
  var shown = $("shown");
  var pager = $("pager");
  var info = $("page-info");
  var prev = $("prev");
  var next = $("next");
  var form = $("filters");
  var query = $("q");
  var fRule = $("f-rule");
  var fSev = $("f-severity");
  var fGroup = $("f-group");
  var fStanding = $("f-standing");

  function fill(select, names) {
    names.forEach(function (name, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = name;
      select.appendChild(option);
    });
  }
  fill(fRule, head.rules);
  fill(fSev, head.severities);
  fill(fGroup, head.groups);

  // Blocking findings first, as the page was written.
  var state = { key: "status", dir: 1, page: 0 };
  var view = [];
  var haystack = null;

  function name(list, i) { return i === null ? "" : list[i]; }
  function resource(row) { return row[NAME] || row[ID]; }

  // Lower-cased text per row, built on the first search only.
  function hay(i) {
    if (haystack === null) {
      haystack = rows.map(function (r) {
        return [head.rules[r[RULE]], r[NAME], r[ID], name(head.groups, r[GROUP]),
          name(head.regions, r[REGION]), r[MSG], r[NOTE], head.statuses[r[STATUS]]].join("\u0000").toLowerCase();
      });
    }
    return haystack[i];
  }

  var keys = {
    rule: function (r) { return head.rules[r[RULE]]; },
    severity: function (r) { return r[SEV]; },
    resource: function (r) { return resource(r).toLowerCase(); },
    group: function (r) { return name(head.groups, r[GROUP]).toLowerCase(); },
    region: function (r) { return name(head.regions, r[REGION]).toLowerCase(); },
    message: function (r) { return r[MSG].toLowerCase(); },
    status: function (r) { return r[STATUS]; }
  };

  function compute() {
    var rule = fRule.value === "" ? -1 : Number(fRule.value);
    var sev = fSev.value === "" ? -1 : Number(fSev.value);
    var group = fGroup.value === "" ? -1 : Number(fGroup.value);
    var standing = fStanding.value;
    var terms = query.value.toLowerCase().split(/\s+/).filter(Boolean);
    view = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (rule >= 0 && r[RULE] !== rule) { continue; }
      if (sev >= 0 && r[SEV] !== sev) { continue; }
      if (group >= 0 && r[GROUP] !== group) { continue; }
      if (standing && head.standings[r[STATUS]] !== standing) { continue; }
      if (terms.length) {
        var text = hay(i);
        var all = true;
        for (var t = 0; t < terms.length && all; t++) { all = text.indexOf(terms[t]) >= 0; }
        if (!all) { continue; }
      }
      view.push(i);
    }
    if (state.key) {
      var key = keys[state.key];
      var dir = state.dir;
      var values = new Map();
      view.forEach(function (i) { values.set(i, key(rows[i])); });
      view.sort(function (a, b) {
        var x = values.get(a), y = values.get(b);
        if (x < y) { return -dir; }
        if (x > y) { return dir; }
        return a - b;
      });
    }
    state.page = 0;
  }

  function cell(tr, text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function span(parent, text, className) {
    var s = document.createElement("span");
    s.className = className;
    s.textContent = text;
    parent.appendChild(s);
    return s;
  }

  function draw() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (state.page >= pages) { state.page = pages - 1; }
    var start = state.page * PAGE;
    var end = Math.min(view.length, start + PAGE);
    var body = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var r = rows[view[k]];
      var tr = document.createElement("tr");
      var rc = cell(tr, head.rules[r[RULE]]);
      if (head.controls[r[RULE]]) { span(rc, head.controls[r[RULE]], "why"); }
      var sev = head.severities[r[SEV]];
      span(cell(tr, ""), sev, "sev " + sev);
      var res = cell(tr, "");
      span(res, r[NAME], "name");
      res.appendChild(document.createTextNode(" "));
      span(res, r[ID], "id");
      cell(tr, name(head.groups, r[GROUP]));
      cell(tr, name(head.regions, r[REGION]));
      cell(tr, r[MSG], "msg");
      var st = cell(tr, "");
      span(st, head.statuses[r[STATUS]], "status " + head.standings[r[STATUS]]);
      if (r[NOTE]) {
        st.appendChild(document.createTextNode(" "));
        span(st, r[NOTE], "why");
      }
      body.appendChild(tr);
    }
    tbody.replaceChildren(body);
    var total = rows.length.toLocaleString("en-US");
    if (view.length === 0) {
      shown.textContent = rows.length ? "No finding matches; " + total + " in all." : "No findings.";
    } else {
      shown.textContent = "Showing " + (start + 1).toLocaleString("en-US") + "–" +
        end.toLocaleString("en-US") + " of " + view.length.toLocaleString("en-US") +
        (view.length === rows.length ? " findings." : " matching findings (" + total + " in all).");
    }
    pager.hidden = pages < 2;
    info.textContent = "Page " + (state.page + 1) + " of " + pages;
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
  }

  function update() { compute(); draw(); }

  // Sortable headers: a button in each, aria-sort on the sorted one.
  var headers = document.querySelectorAll("#findings-table thead th[data-key]");
  headers.forEach(function (th) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      state.dir = state.key === key ? -state.dir : 1;
      state.key = key;
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      update();
    });
  });

  var timer = 0;
  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, rows.length > 20000 ? 250 : 80);
  });
  [fRule, fSev, fGroup, fStanding].forEach(function (select) {
    select.addEventListener("change", update);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  prev.addEventListener("click", function () { state.page -= 1; draw(); });
  next.addEventListener("click", function () { state.page += 1; draw(); });

  // Printing shows the charts' numbers too.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-data").forEach(function (d) { d.open = true; });
  });

  form.hidden = false;
  update();
}());
