// sourcemix report pages: draws the charts of one page from the data embedded
// in it (script#sourcemix-data) with Apache ECharts, and makes the tables
// sortable. Nothing is fetched: the page works from file:// with no network.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('sourcemix-data').textContent);
  var root = document.getElementById('charts');
  var charts = [];
  var palette = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'];
  var BINDING = '#d62728';

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function section(title, note) {
    var s = add(root, el('section'));
    add(s, el('h2', {}, title));
    if (note) { add(s, el('p', { 'class': 'note' }, note)); }
    return s;
  }
  function chart(parent, id, height, option) {
    var d = add(parent, el('div', { id: id, 'class': 'chart' }));
    d.style.height = height + 'px';
    var c = echarts.init(d, null, { renderer: 'canvas' });
    option.animation = false;
    c.setOption(option);
    charts.push(c);
    return c;
  }
  function grouped(x, digits) {
    return Number(x).toLocaleString('en-US', { minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0 });
  }
  function pct(x) { return (100 * x).toFixed(1) + '%'; }
  function round(x, d) { var f = Math.pow(10, d); return Math.round(x * f) / f; }

  // One commodity's Sankey (mining country -> refining country -> consumer).
  function sankey(parent, id, k) {
    add(parent, el('h3', {}, k.commodity));
    var columns = [0, 0, 0];
    k.nodes.forEach(function (n) { columns[n.indexOf('mine: ') === 0 ? 0 : n.indexOf('ref: ') === 0 ? 1 : 2] += 1; });
    var height = Math.max(260, 26 * Math.max.apply(null, columns) + 40);
    var colour = {};
    k.nodes.forEach(function (n, j) { colour[n] = palette[j % palette.length]; });
    var c = chart(parent, id, height, {
      tooltip: { trigger: 'item', formatter: function (p) {
        if (p.dataType === 'edge') { return p.data.source + ' -> ' + p.data.target + ': ' + grouped(p.data.value, 1) + ' t' + (p.data.binding ? ' (binding cap)' : ''); }
        return p.name + ': ' + grouped(p.value, 1) + ' t';
      } },
      series: [{
        type: 'sankey', left: 10, right: 140, top: 10, bottom: 10, nodeGap: 6,
        layoutIterations: 32, emphasis: { focus: 'adjacency' },
        data: k.nodes.map(function (n) { return { name: n, itemStyle: { color: colour[n] } }; }),
        links: k.links.map(function (l) {
          return { source: l.source, target: l.target, value: l.value, binding: l.binding,
            lineStyle: l.binding ? { color: BINDING, opacity: 0.55 } : { color: 'source', opacity: 0.3 } };
        }),
        label: { fontSize: 11 }
      }]
    });
    c.getDom().setAttribute('data-commodity', k.commodity);
    return c;
  }

  // ----- solve -----
  function solvePage() {
    var s = section('Where each commodity comes from',
      'Mining country -> refining country -> consumer, widths in tonnes per year. ' +
      'Red: flows from a country at a binding cap on that stage.');
    data.sankeys.forEach(function (k, i) { sankey(s, 'sankey-' + i, k); });

    var sh = section('Shares by consumer',
      'Share of deliveries by country at each stage (top ' + 10 + '); lines: policy limits on that consumer or scope; ' +
      'whiskers: the range over equally cheap answers (share of demand, solve --ranges).');
    data.shares.forEach(function (k, i) {
      if (!k.panels.length) { return; }
      add(sh, el('h3', {}, k.commodity));
      var controls = add(sh, el('div', { 'class': 'controls' }));
      add(controls, el('label', { 'for': 'panel-' + i }, 'Consumer or scope: '));
      var select = add(controls, el('select', { id: 'panel-' + i }));
      var first = 0;
      k.panels.forEach(function (p, j) {
        add(select, el('option', { value: String(j) }, p.kind === 'scope' ? p.name + ' (policy scope, pooled)' : p.name));
        if (p.kind === 'scope' && first === 0) { first = j; }
      });
      select.value = String(first);
      var c = chart(sh, 'shares-' + i, 340, shareOption(k.panels[first]));
      select.addEventListener('change', function () { c.setOption(shareOption(k.panels[Number(select.value)]), true); });
    });
  }

  function whisker(params, api) {
    var x = api.value(0);
    var lo = api.coord([x, api.value(1)]);
    var hi = api.coord([x, api.value(2)]);
    var w = api.size([1, 0])[0] * 0.18;
    var style = { stroke: '#222', lineWidth: 1.5 };
    return { type: 'group', children: [
      { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: style },
      { type: 'line', shape: { x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1] }, style: style },
      { type: 'line', shape: { x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1] }, style: style }
    ] };
  }

  function shareOption(panel) {
    var grid = [], xAxis = [], yAxis = [], series = [], title = [];
    var n = panel.stages.length;
    panel.stages.forEach(function (st, i) {
      var left = 6 + i * (94 / n);
      grid.push({ left: left + '%', width: (94 / n - 8) + '%', top: 40, bottom: 60 });
      title.push({ text: st.stage, left: (left + 1) + '%', top: 8, textStyle: { fontSize: 13 } });
      xAxis.push({ type: 'category', gridIndex: i, data: st.bars.map(function (b) { return b.country; }), axisLabel: { rotate: 40, fontSize: 11 } });
      yAxis.push({ type: 'value', gridIndex: i, min: 0, max: 100, axisLabel: { formatter: '{value}%' } });
      series.push({
        type: 'bar', name: st.stage, xAxisIndex: i, yAxisIndex: i, barMaxWidth: 36,
        itemStyle: { color: i === 0 ? '#4e79a7' : '#f28e2b' },
        data: st.bars.map(function (b) { return round(100 * b.share, 3); }),
        markLine: { symbol: 'none', silent: true, data: st.limits.map(function (l) {
          return { yAxis: round(100 * l.limit, 3), lineStyle: { color: BINDING, type: l.kind === 'min_share' ? 'dashed' : 'solid', width: 2 },
            label: { formatter: l.policy + ' ' + (l.kind === 'min_share' ? 'floor ' : 'cap ') + pct(l.limit), position: 'insideEndTop', fontSize: 10 } };
        }) }
      });
      var ranges = [];
      st.bars.forEach(function (b, j) { if (b.min !== undefined) { ranges.push([j, round(100 * b.min, 3), round(100 * b.max, 3)]); } });
      if (ranges.length) {
        series.push({ type: 'custom', name: st.stage + ' range', xAxisIndex: i, yAxisIndex: i, renderItem: whisker,
          encode: { x: 0, y: [1, 2] }, data: ranges, z: 10 });
      }
    });
    return { title: title, grid: grid, xAxis: xAxis, yAxis: yAxis, series: series,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } } };
  }

  // ----- horizon (a multi-period solve) -----
  function horizonPage() {
    var years = data.periods.map(function (p) { return String(p.year); });
    var c = section('Cost by period',
      'Present value in ' + (years[0] || '') + ' (' + data.currency + '): operating cost of the years each period stands for, and the investment charged to it (the capacity available in it).');
    chart(c, 'horizon-cost', 340, {
      legend: { top: 0 }, tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 20, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: years },
      yAxis: { type: 'value' },
      series: [['operating', 'operating'], ['investment', 'investment']].map(function (s, i) {
        return { type: 'bar', stack: 'cost', name: s[1], itemStyle: { color: palette[i] },
          data: data.periods.map(function (p) { return p[s[0]]; }) };
      })
    });

    var plan = section('Investment plan',
      data.investment.length ? 'Capacity added (t per year) by node and commodity: stacked by the period it is built in, and as a timeline from that period to the last year it is available.'
        : 'Nothing is built.');
    if (data.investment.length) {
      var keys = [];
      data.investment.forEach(function (i) {
        var key = i.node + ' (' + i.commodity + ')';
        if (keys.indexOf(key) < 0) { keys.push(key); }
      });
      chart(plan, 'horizon-added', 340, {
        legend: { top: 0, type: 'scroll' }, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        grid: { left: 110, right: 20, top: 40, bottom: 40 },
        xAxis: { type: 'category', data: years },
        yAxis: { type: 'value', name: 't per year' },
        series: keys.map(function (key, j) {
          return { type: 'bar', stack: 'added', name: key, itemStyle: { color: palette[j % palette.length] },
            data: data.periods.map(function (p) {
              return data.investment.filter(function (i) { return i.year === p.year && i.node + ' (' + i.commodity + ')' === key; })
                .reduce(function (a, i) { return a + i.added; }, 0);
            }) };
        })
      });
      var rows = data.investment.map(function (i) { return i.year + ' ' + i.node + ' (' + i.commodity + ')'; });
      var first = data.periods.length ? data.periods[0].year : 0;
      var last = data.periods.length ? data.periods[data.periods.length - 1].year + data.periods[data.periods.length - 1].span : 1;
      chart(plan, 'horizon-timeline', Math.max(160, 28 * rows.length + 70), {
        tooltip: { formatter: function (p) {
          var i = data.investment[p.value[0]];
          return i.node + ' (' + i.commodity + '): ' + grouped(i.added, 1) + ' t per year, ' + i.year + '-' + i.until + ', cost ' + grouped(i.cost) + ' ' + data.currency;
        } },
        grid: { left: 220, right: 30, top: 20, bottom: 40 },
        xAxis: { type: 'value', min: first, max: last, interval: 1, axisLabel: { formatter: function (v) { return years.indexOf(String(v)) >= 0 || v === last ? String(v) : ''; } } },
        yAxis: { type: 'category', data: rows, inverse: true },
        series: [{
          type: 'custom',
          renderItem: function (params, api) {
            var start = api.coord([api.value(1), api.value(0)]);
            var end = api.coord([api.value(2), api.value(0)]);
            var h = api.size([0, 1])[1] * 0.6;
            return { type: 'rect', shape: { x: start[0], y: start[1] - h / 2, width: Math.max(1, end[0] - start[0]), height: h },
              style: api.style({ fill: palette[api.value(3) % palette.length] }) };
          },
          encode: { x: [1, 2], y: 0 },
          data: data.investment.map(function (i, j) { return [j, i.year, i.until + 1, keys.indexOf(i.node + ' (' + i.commodity + ')')]; })
        }]
      });
    }

    data.periods.forEach(function (p, n) {
      var s = section('Where each commodity comes from in ' + p.year,
        'Mining country -> refining country -> consumer, widths in tonnes per year of this period (existing and added capacity). ' +
        'Red: flows from a country at a binding cap on that stage.');
      s.setAttribute('data-year', String(p.year));
      if (!p.sankeys.length) { add(s, el('p', {}, 'Nothing is delivered.')); }
      p.sankeys.forEach(function (k, i) {
        sankey(s, 'sankey-' + n + '-' + i, k).getDom().setAttribute('data-year', String(p.year));
      });
    });
  }

  // ----- batch -----
  function batchPage() {
    var names = data.runs.map(function (r) { return r.name; });
    var s = section('Total cost by run', data.multi_period
      ? 'Cost parts stacked, in the model\'s currency; for multi-period runs, present values (operating parts and investment).'
      : 'Cost parts stacked, in the model\'s currency.');
    var parts = data.parts || ['supply', 'refining', 'transport', 'shortfall'];
    var rotate = { rotate: 35, fontSize: 11, interval: 0 };
    chart(s, 'batch-cost', 380, {
      legend: { top: 0 }, tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 20, top: 40, bottom: 90 },
      xAxis: { type: 'category', data: names, axisLabel: rotate },
      yAxis: { type: 'value' },
      series: parts.map(function (p, i) {
        return { type: 'bar', stack: 'cost', name: p, itemStyle: { color: palette[i] },
          data: data.runs.map(function (r) { return r.cost[p]; }) };
      })
    });
    var u = section('Unmet demand by run and commodity', data.multi_period
      ? 'Tonnes per year; for multi-period runs, by commodity and period.' : 'Tonnes per year.');
    chart(u, 'batch-unmet', 380, {
      legend: { top: 0 }, tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 20, top: 40, bottom: 90 },
      xAxis: { type: 'category', data: names, axisLabel: rotate },
      yAxis: { type: 'value' },
      series: data.commodities.map(function (k, i) {
        return { type: 'bar', name: k, itemStyle: { color: palette[i % palette.length] },
          data: data.runs.map(function (r) { return r.unmet[i]; }) };
      })
    });
  }

  // ----- frontier -----
  function frontierPage() {
    var s = section('The cost of diversification',
      'Least total cost (and unmet demand) as the cap ' + data.cap + ' is tightened; the marked point is the tightest share at no extra cost.');
    var pts = data.points.map(function (p) { return [round(100 * p.share, 6), p.total_cost]; });
    chart(s, 'frontier', 440, {
      legend: { top: 0 }, tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 90, top: 40, bottom: 50 },
      xAxis: { type: 'value', name: 'cap (share %)', nameLocation: 'middle', nameGap: 30, inverse: true, scale: true },
      yAxis: [{ type: 'value', name: 'total cost (' + data.currency + ')', scale: true }, { type: 'value', name: 'unmet (t)' }],
      series: [
        { type: 'line', name: 'total cost', data: pts, symbolSize: 5, itemStyle: { color: '#4e79a7' },
          markPoint: { symbol: 'pin', symbolSize: 48, itemStyle: { color: BINDING },
            data: [{ name: 'free diversification', coord: [round(100 * data.free.share, 6), data.free.total_cost], value: pct(data.free.share) }] },
          markLine: { symbol: 'none', lineStyle: { color: BINDING, type: 'dashed' },
            label: { formatter: 'free down to ' + pct(data.free.share) }, data: [{ xAxis: round(100 * data.free.share, 6) }] } },
        { type: 'line', name: 'unmet', yAxisIndex: 1, showSymbol: false, itemStyle: { color: '#f28e2b' }, lineStyle: { type: 'dashed' },
          data: data.points.map(function (p) { return [round(100 * p.share, 6), p.unmet]; }) }
      ]
    });
  }

  // ----- stress -----
  function stressPage() {
    var s = section('Unmet demand when a country is cut off', 'Unmet demand as % of the window\'s demand, by disruption (rows, most unmet first) and consumer (columns).');
    data.heatmaps.forEach(function (h, i) {
      add(s, el('h3', {}, h.commodity));
      chart(s, 'heatmap-' + i, Math.max(220, 24 * h.rows.length + 100), {
        tooltip: { formatter: function (p) { return h.rows[p.value[1]] + ', ' + h.consumers[p.value[0]] + ': ' + p.value[2].toFixed(1) + '% of window demand unmet'; } },
        grid: { left: 170, right: 100, top: 10, bottom: 80 },
        xAxis: { type: 'category', data: h.consumers, axisLabel: { rotate: 35, fontSize: 11 } },
        yAxis: { type: 'category', data: h.rows, inverse: true, axisLabel: { fontSize: 11 } },
        visualMap: { min: 0, max: 100, calculable: true, orient: 'vertical', right: 0, top: 'center', inRange: { color: ['#f7fbff', '#fdae61', '#d7191c'] } },
        series: [{ type: 'heatmap', data: h.cells, label: { show: h.cells.length <= 200, fontSize: 10, formatter: function (p) { return p.value[2] >= 0.05 ? p.value[2].toFixed(1) : ''; } } }]
      });
    });
  }

  // ----- stockpile -----
  function stockpilePage() {
    var s = section('Required stock: shared against separate',
      'Left: the stock one shared pool needs, by holder. Right: the stocks needed if each protected consumer were protected alone, added up.');
    data.commodities.forEach(function (k, i) {
      add(s, el('h3', {}, k.commodity + ' (' + k.unit + ')'));
      var series = [];
      k.holders.forEach(function (h, j) {
        series.push({ type: 'bar', stack: 'stock', name: 'held at ' + h.holder, itemStyle: { color: palette[j % palette.length] },
          data: [h.stock, null] });
      });
      k.consumers.forEach(function (c, j) {
        series.push({ type: 'bar', stack: 'stock', name: c.consumer + ' alone', itemStyle: { color: palette[(j + 5) % palette.length] },
          data: [null, c.alone] });
      });
      chart(s, 'stockpile-' + i, 360, {
        legend: { top: 0, type: 'scroll' }, tooltip: { trigger: 'item' },
        grid: { left: 110, right: 20, top: 50, bottom: 40 },
        xAxis: { type: 'category', data: ['shared: ' + grouped(k.joint, 1), 'separate: ' + grouped(k.separate, 1)] },
        yAxis: { type: 'value', name: k.unit },
        series: series
      });
    });
  }

  function sortable(table) {
    var ths = table.querySelectorAll('thead th');
    Array.prototype.forEach.call(ths, function (th, col) {
      th.addEventListener('click', function () {
        var dir = th.getAttribute('data-sort') === 'asc' ? 'desc' : 'asc';
        Array.prototype.forEach.call(ths, function (h) { h.removeAttribute('data-sort'); });
        th.setAttribute('data-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (r) {
          var c = r.cells[col];
          if (!c) { return ''; }
          var v = c.getAttribute('data-v');
          return v === null ? c.textContent : Number(v);
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var o = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
          return dir === 'asc' ? o : -o;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  var pages = { solve: solvePage, horizon: horizonPage, batch: batchPage, frontier: frontierPage, stress: stressPage, stockpile: stockpilePage };
  pages[data.page]();
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), sortable);
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.setAttribute('data-charts', String(charts.length));
}());
