'use strict';
// The load generator, run as its own process so that it never shares a CPU
// queue or event loop with the server it measures: a warm-up, then the timed
// run; prints one JSON line with the figures.
const autocannon = require('autocannon');

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function main() {
  const { url, body, connections, duration, warmup, timeout } = JSON.parse(process.argv[2]);
  const base = {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    timeout,
  };
  if (warmup > 0) await run({ ...base, duration: warmup });
  process.stderr.write('measuring\n');
  const r = await run({ ...base, duration });
  process.stdout.write(
    `${JSON.stringify({
      requests: r.requests.total,
      seconds: r.duration,
      rps: r.requests.total / r.duration,
      p50: r.latency.p50,
      p99: r.latency.p99,
      mean: r.latency.mean,
      max: r.latency.max,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      bytesPerRequest: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : 0,
    })}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
