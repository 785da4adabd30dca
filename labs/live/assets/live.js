// The live view: one lane per replica, filled in as the lab's messages
// arrive (live, from /events) or as a recorded run is stepped through
// (replay, from /replay.json). Plain ES2020, no dependencies.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const mode = document.body.dataset.mode;
  // Read by the browser tests: what the page saw and drew, and when.
  // kinds[i] is what latencies[i] was of; revisions counts events sent
  // again with more detail (a wait sized once it is over), measured too.
  const stats = { latencies: [], fromSent: [], kinds: [], revisions: 0, corrections: 0, messages: 0, ended: false, lastSeq: -1 };
  window.liveStats = stats;

  const labels = {
    'no-lock': 'no lock', 'post-lock-table': "post's LOCK TABLE",
    'goose-session-locker': 'goose session locker', 'runonce': 'runonce',
  };
  let runs = new Map();
  let lab = '';
  // The cluster lab's current variant (see addVariant).
  let variant = null;

  function status(text, error) {
    $('status').textContent = text;
    $('status').classList.toggle('error', !!error);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const secs = (s) => s.toFixed(2) + 's';
  // A step's time, as the text report's timeline writes it.
  const at = (e) => e.t.toFixed(2) + ' ';

  // An event in the text report's words (labs/report/text.go).
  function say(e) {
    switch (e.kind) {
      case 'crashed': {
        let what = 'exit ' + e.exit_code;
        if (e.init) what = 'init ' + what;
        if (e.detail) what += ': ' + e.detail;
        return 'crash (' + what + ')';
      }
      case 'ran': return 'ran the step';
      case 'migrated': return 'migrated ' + e.detail;
      case 'skipped': return e.detail ? 'skipped (' + e.detail + ')' : 'skipped';
      case 'waited': return 'waited ' + e.detail;
      case 'init-done': return 'init exit 0';
      case 'ready': return 'ready';
      case 'error': return e.detail;
      case 'gave-up': return 'gave up';
      case 'hung': return 'still waiting' + (e.detail ? ' (' + e.detail + ')' : '');
      case 'restarted': return 'restarted';
    }
    return e.kind + (e.detail ? ' ' + e.detail : '');
  }

  function reset(m) {
    runs = new Map();
    variant = null;
    lab = m.lab;
    $('runs').textContent = '';
    $('runs').className = lab === 'compare' ? 'compare' : 'single';
    $('end').hidden = true;
    // The replicas' legend is for the race labs; the cluster lab shows
    // its own with its first variant.
    $('legend').hidden = lab === 'preemptible';
    $('title').textContent = 'lab:' + lab + (m.mode === 'replay' ? ' (recorded)' : '');
    document.title = 'lab:' + lab + ' — ' + (m.mode === 'replay' ? 'replay' : 'live');
    stats.ended = false;
  }

  function addRun(m) {
    const d = m.deployment;
    const panel = el('section', 'panel current');
    panel.dataset.run = m.run;
    for (const p of runs.values()) p.el.classList.remove('current');
    const cic = d.create_index ? 'with' : 'without';
    const head = lab === 'compare'
      ? (labels[d.strategy] || d.strategy) + ' — ' + cic + ' CREATE INDEX CONCURRENTLY'
      : d.title;
    panel.append(el('h2', '', head));
    if (lab === 'compare') panel.classList.add('narrow');
    // Many lanes: one line each, so that 20 fit on a 720-line projector.
    if (m.names.length > 8) panel.classList.add('dense');
    const run = { el: panel, lanes: [], scale: niceScale(d.backfill_seconds * 3), axis: el('div', 'axis') };
    panel.style.setProperty('--scale', run.scale);
    panel.style.setProperty('--namew', Math.max(...m.names.map((n) => n.length), 4) + 1 + 'ch');
    m.names.forEach((name, i) => {
      const lane = el('div', 'lane pending');
      lane.dataset.replica = i;
      const track = el('div', 'track');
      const sayEl = el('div', 'say');
      lane.append(el('span', 'name', name), track, sayEl);
      panel.append(lane);
      run.lanes.push({ el: lane, name: lane.firstChild, track, say: sayEl, events: [], marks: [], bars: [] });
      setSay(run.lanes[i], 'waiting', '');
    });
    // The axis is a lane of its own, so that it lines up with the tracks.
    const axisRow = el('div', 'axisrow');
    axisRow.append(el('span', 'name', ''), run.axis, el('span', '', ''));
    panel.append(axisRow);
    drawAxis(run);
    run.check = el('div', 'result');
    panel.append(run.check);
    $('runs').append(panel);
    runs.set(m.run, run);
  }

  function drawAxis(run) {
    run.axis.textContent = '';
    const n = [5, 4, 3, 6].find((k) => Number.isInteger(run.scale / k)) || 4;
    for (let k = 0; k <= n; k++) {
      const v = (run.scale * k) / n;
      run.axis.append(el('span', '', (Number.isInteger(v) ? v : v.toFixed(1)) + ' s'));
    }
  }

  // A round length for the time axis, at least s seconds.
  function niceScale(s) {
    for (const n of [5, 10, 15, 20, 30, 40, 60, 90, 120, 180, 240, 300, 600]) if (n >= s) return n;
    return Math.ceil(s / 600) * 600;
  }

  function setSay(lane, state, text) {
    lane.say.textContent = '';
    lane.say.append(el('b', '', state), text);
    lane.say.title = state + ' ' + text;
  }

  function released(m) {
    const run = runs.get(m.run);
    if (!run) return;
    for (const lane of run.lanes) {
      lane.el.classList.remove('pending');
      setSay(lane, 'started', '');
    }
  }

  const pendingTimes = [];
  function drawn() {
    const now = performance.timeOrigin + performance.now();
    for (const [t, sent, kind] of pendingTimes) {
      stats.latencies.push(now - t);
      stats.fromSent.push(now - sent);
      stats.kinds.push(kind);
    }
    pendingTimes.length = 0;
  }

  function place(m) {
    const run = runs.get(m.run);
    if (!run) return;
    const lane = run.lanes[m.replica];
    if (!lane) return;
    const again = !!lane.marks[m.index];
    if (again) stats.revisions++;
    setEvent(run, lane, m.index, m.event);
    if (m.time) {
      if (pendingTimes.length === 0) requestAnimationFrame(drawn);
      pendingTimes.push([m.time, m.sent, (again ? 'again:' : '') + m.event.kind]);
    }
  }

  function setEvent(run, lane, index, e) {
    lane.events[index] = e;
    let mark = lane.marks[index];
    if (!mark) {
      mark = el('i', '');
      lane.marks[index] = mark;
      lane.track.append(mark);
    }
    mark.className = 'mark ev ' + e.kind;
    mark.dataset.index = index;
    mark.dataset.kind = e.kind;
    mark.dataset.t = e.t;
    mark.dataset.detail = e.detail || '';
    mark.style.setProperty('--t', e.t);
    mark.title = at(e) + say(e);
    const wait = e.kind === 'waited' && /^([0-9.]+)s/.exec(e.detail || '');
    if (wait) {
      let bar = lane.bars[index];
      if (!bar) {
        bar = el('i', 'bar');
        lane.bars[index] = bar;
        lane.track.prepend(bar);
      }
      // runonce says it waits when it starts to (the lab sizes the wait
      // once it is over); the app's own locks say so once they are taken.
      const d = parseFloat(wait[1]);
      bar.style.setProperty('--t', /for the lock$/.test(e.detail) ? e.t : Math.max(0, e.t - d));
      bar.style.setProperty('--d', d);
    }
    const crashes = lane.events.filter((x) => x && x.kind === 'crashed').length;
    const last = lane.events[lane.events.length - 1];
    setSay(lane, crashes ? 'crashes: ' + crashes : 'running', at(last) + say(last));
    const end = e.t + (wait && /for the lock$/.test(e.detail) ? parseFloat(wait[1]) : 0);
    if (end > run.scale * 0.92) {
      run.scale = niceScale(end * 1.1);
      run.el.style.setProperty('--scale', run.scale);
      drawAxis(run);
    }
  }

  function deployed(m) {
    const run = runs.get(m.run);
    if (!run) return;
    const d = m.deployment;
    d.replica_outcomes.forEach((r, i) => {
      const lane = run.lanes[i];
      if (!lane) return;
      lane.name.textContent = r.name;
      // The stream told every event already: any difference is a bug,
      // counted for the tests, and mended from the result.
      r.events.forEach((e, k) => {
        if (JSON.stringify(lane.events[k]) !== JSON.stringify(e)) {
          stats.corrections++;
          setEvent(run, lane, k, e);
        }
      });
      const ready = r.seconds_to_ready != null ? 'ready ' + secs(r.seconds_to_ready) : 'never ready';
      // What a crashed or hung replica last said is why: show it.
      const why = r.events.filter((e) => e.kind === 'crashed' || e.kind === 'hung').pop();
      setSay(lane, r.outcome, r.restarts + (r.restarts === 1 ? ' restart' : ' restarts') + ', ' + ready +
        (why && r.outcome !== 'ran' && r.outcome !== 'skipped' ? ' · ' + at(why) + say(why) : ''));
      lane.el.dataset.outcome = r.outcome;
    });
    showCheck(run, d);
    run.el.classList.remove('current');
  }

  // The database check, facts and verdict, as the text report has them.
  function showCheck(run, d) {
    run.check.textContent = '';
    if (d.hang) run.check.append(el('p', 'hang', 'hang: ' + d.hang));
    const ul = el('ul', 'check');
    if (d.db_ok) {
      ul.append(el('li', 'ok', 'exactly as designed: tables and column present, each seed row once, each goose version once' +
        (d.create_index ? ', unique index valid' : '') + ', the one-time step ran once'));
    }
    for (const p of d.db_problems || []) ul.append(el('li', 'bad', p));
    run.check.append(el('p', 'facts', 'database check (what the database holds, not what the replicas said):'), ul);
    const last = d.seconds_to_last_ready != null ? secs(d.seconds_to_last_ready) : (d.hangs > 0 ? 'hang' : 'never');
    run.check.append(el('p', 'facts', 'runs of the one-time step: ' + d.runs_of_step + '   crashes: ' + d.crashes +
      '   hangs: ' + d.hangs + '   last replica ready: ' + last + '   peak connections: ' + d.peak_connections +
      '   run: ' + secs(d.seconds)));
  }

  // A result that is a table (the preemptible simulator's), its notes and
  // its chart.
  function showTable(t) {
    $('legend').hidden = true;
    const panel = el('section', 'panel tablepanel');
    panel.append(el('h2', '', t.title));
    const table = el('table', 'results');
    const head = el('tr', '');
    for (const h of t.header) head.append(el('th', '', h));
    table.append(head);
    for (const row of t.rows) {
      const tr = el('tr', '');
      row.forEach((c, i) => tr.append(el(i === 0 ? 'th' : 'td', '', c)));
      table.append(tr);
    }
    panel.append(table);
    for (const n of t.notes || []) panel.append(el('p', 'note', n));
    if (t.svg) {
      const img = el('img', 'chart');
      img.alt = 'chart of ' + t.title;
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(t.svg);
      panel.append(img);
    }
    $('runs').append(panel);
  }


  // A cluster lab (the preemptible lab on the real scheduler): a panel per
  // variant, its nodes by pool, the job pods on them as chips that land,
  // finish, fail with a preempted node and come back as retries.
  const podStates = {
    pending: 'waiting for a node', bound: 'running', succeeded: 'done', failed: 'failed',
    preempted: 'failed with its node', unschedulable: 'unschedulable',
  };
  function addVariant(c) {
    $('legend').hidden = true;
    $('cluster-legend').hidden = false;
    if (variant) variant.el.classList.remove('current');
    const panel = el('section', 'panel cluster current');
    panel.dataset.variant = c.variant;
    panel.append(el('h2', '', c.variant + ': ' + c.detail));
    const counts = el('p', 'counts', '');
    const pools = el('div', 'pools');
    const waiting = el('div', 'pool waiting');
    waiting.append(el('h3', '', 'waiting for a node'));
    const waitingPods = el('div', 'pods');
    waiting.append(waitingPods);
    const outcome = el('p', 'outcome', '');
    panel.append(counts, pools, waiting, outcome);
    $('runs').append(panel);
    variant = { name: c.variant, el: panel, counts, pools, waitingPods, outcome, poolEls: new Map(), nodes: new Map(), pods: new Map(), services: new Map() };
    showCounts();
  }
  function poolEl(name, tainted) {
    let p = variant.poolEls.get(name);
    if (!p) {
      const box = el('div', 'pool');
      box.dataset.pool = name;
      const h = el('h3', '', name);
      if (tainted) h.append(el('span', 'tainted', 'tainted'));
      box.append(h);
      const nodes = el('div', 'nodes');
      box.append(nodes);
      variant.pools.append(box);
      p = { el: box, nodes };
      variant.poolEls.set(name, p);
    }
    return p;
  }
  function addNode(c) {
    const n = el('div', 'node');
    n.dataset.node = c.node;
    n.dataset.pool = c.pool;
    const head = el('div', 'nodehead', c.node);
    head.append(el('span', 'nodestate', ''));
    const pods = el('div', 'pods');
    n.append(head, pods);
    poolEl(c.pool, c.tainted).nodes.append(n);
    variant.nodes.set(c.node, { el: n, state: head.lastChild, pods });
  }
  function nodeState(c, cls, text) {
    const n = variant.nodes.get(c.node);
    if (!n) return;
    n.el.classList.add(cls);
    n.state.textContent = text;
  }
  function podChip(c) {
    const chip = el('span', 'pod pending', 'job ' + c.job + (c.attempt > 1 ? ' ↻' + c.attempt : ''));
    chip.dataset.pod = c.pod;
    chip.dataset.job = c.job;
    chip.dataset.attempt = c.attempt;
    chip.dataset.state = 'pending';
    if (c.attempt > 1) chip.classList.add('retry');
    chip.title = c.pod + ': ' + podStates.pending;
    variant.waitingPods.append(chip);
    variant.pods.set(c.pod, chip);
  }
  function podState(c, state) {
    const chip = variant.pods.get(c.pod);
    if (!chip) return;
    chip.classList.remove(chip.dataset.state);
    chip.classList.add(state);
    chip.dataset.state = state;
    chip.title = c.pod + ': ' + podStates[state] + (c.detail ? ' (' + c.detail + ')' : '');
    if (c.node) chip.dataset.node = c.node;
    if (state === 'bound') {
      const n = variant.nodes.get(c.node);
      if (n) n.pods.append(chip);
    }
  }
  // A Deployment's pod (the web service) where the scheduler put it.
  function serviceChip(c) {
    const n = variant.nodes.get(c.node);
    if (!n) return;
    const chip = el('span', 'svc', c.detail || 'service');
    chip.dataset.service = c.pod;
    chip.title = c.pod + ": a Deployment's pod";
    n.pods.prepend(chip);
    variant.services.set(c.pod, chip);
  }
  function showCounts() {
    const by = {};
    for (const chip of variant.pods.values()) by[chip.dataset.state] = (by[chip.dataset.state] || 0) + 1;
    const retries = [...variant.pods.values()].filter((c) => c.classList.contains('retry')).length;
    variant.counts.textContent = 'job pods: ' + variant.pods.size + ' · running ' + (by.bound || 0) + ' · done ' + (by.succeeded || 0) +
      ' · failed with their node ' + (by.preempted || 0) + ' · retries ' + retries + ' · waiting ' + ((by.pending || 0) + (by.unschedulable || 0));
  }
  function cluster(m) {
    const c = m.cluster;
    if (c.kind === 'variant') addVariant(c);
    if (!variant || variant.name !== c.variant) return;
    switch (c.kind) {
      case 'node': addNode(c); break;
      case 'notice': nodeState(c, 'cordoned', 'preemption notice: cordoned'); break;
      case 'node-gone': nodeState(c, 'gone', 'VM gone: deleted'); break;
      case 'pod': podChip(c); break;
      case 'bound': case 'succeeded': case 'failed': case 'preempted': case 'unschedulable': podState(c, c.kind); break;
      case 'service': serviceChip(c); break;
      case 'service-killed': {
        const chip = variant.services.get(c.pod);
        if (chip) chip.classList.add('killed');
        break;
      }
      case 'variant-end':
        variant.outcome.textContent = c.detail;
        variant.el.classList.remove('current');
        break;
    }
    showCounts();
    if (m.time) {
      if (pendingTimes.length === 0) requestAnimationFrame(drawn);
      pendingTimes.push([m.time, m.sent, 'cluster:' + c.kind]);
    }
  }

  function end(m) {
    stats.ended = true;
    if (m.table) {
      showTable(m.table);
      status(variant ? 'the lab has ended: its result, live and simulated' : "the simulator's result");
      return;
    }
    if (m.error && variant) {
      $('end').hidden = false;
      $('verdict').className = 'notshown';
      $('verdict').append(el('span', 'label', 'the lab could not finish:'), el('span', '', m.error));
      status('the lab could not finish', true);
      return;
    }
    const r = m.result;
    $('end').hidden = false;
    const v = $('verdict');
    v.textContent = '';
    if (!r) {
      v.className = 'notshown';
      v.append(el('span', 'label', 'the lab could not run:'), el('span', '', m.error || ''));
      status('the lab could not run', true);
      return;
    }
    v.className = r.showed ? 'showed' : 'notshown';
    v.append(el('span', 'label', 'verdict:'));
    const text = el('span', '', r.verdict);
    text.id = 'verdict-text';
    v.append(text);
    status(mode === 'replay' ? 'replay finished' : 'the lab has ended; this page keeps its run');
  }

  function handle(m) {
    stats.messages++;
    switch (m.type) {
      case 'lab': reset(m); break;
      case 'deploying': addRun(m); break;
      case 'released': released(m); break;
      case 'event': place(m); break;
      case 'deployed': deployed(m); break;
      case 'cluster': cluster(m); break;
      case 'end': end(m); break;
    }
  }

  function live() {
    const es = new EventSource('/events');
    es.onopen = () => { if (!stats.ended) status('live: connected'); };
    es.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      // EventSource resumes after the last id it had; a new run starts at 0.
      if (m.seq !== 0 && m.seq <= stats.lastSeq) return;
      stats.lastSeq = m.seq;
      handle(m);
      if (m.type === 'end') es.close();
      else if (m.type === 'event' || m.type === 'cluster') status('live: ' + (m.seq + 1) + ' messages');
    };
    es.onerror = () => {
      if (stats.ended) return;
      status('connection lost: reconnecting (the page catches up when it is back)', true);
    };
  }

  async function replay() {
    let msgs;
    try {
      const resp = await fetch('/replay.json');
      if (!resp.ok) throw new Error(await resp.text());
      msgs = await resp.json();
    } catch (err) {
      status('cannot load the recorded run: ' + err.message, true);
      return;
    }
    $('player').hidden = false;
    let i = 0;
    let clock = 0;
    let timer = null;
    const tick = 50;
    const showClock = () => { $('clock').textContent = clock.toFixed(2) + ' s'; };
    const applyUntil = (t) => { while (i < msgs.length && (msgs[i].at || 0) <= t) handle(msgs[i++]); };
    const pause = () => {
      clearInterval(timer);
      timer = null;
      $('play').textContent = '▶ play';
    };
    const play = () => {
      if (i >= msgs.length) restart();
      $('play').textContent = '❚❚ pause';
      timer = setInterval(() => {
        clock += (tick / 1000) * parseFloat($('speed').value);
        applyUntil(clock);
        showClock();
        if (i >= msgs.length) pause();
      }, tick);
    };
    // One event (and whatever comes before it) at a time.
    const step = () => {
      pause();
      while (i < msgs.length) {
        const m = msgs[i++];
        clock = Math.max(clock, m.at || 0);
        handle(m);
        if (m.type === 'event' || m.type === 'end') break;
      }
      showClock();
    };
    const restart = () => { i = 0; clock = 0; applyUntil(0); showClock(); };
    $('play').onclick = () => (timer ? pause() : play());
    $('step').onclick = step;
    $('restart').onclick = () => { pause(); restart(); };
    window.liveReplay = { step, play, pause, restart, done: () => i >= msgs.length, total: msgs.length };
    restart();
    status('replay of a recorded run: play, or step through it one event at a time');
  }

  if (mode === 'replay') replay(); else live();
})();
