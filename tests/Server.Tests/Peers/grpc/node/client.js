// A @grpc/grpc-js client of the server (align.v1 and grpc.health.v1) for the server tests.
//
// usage: node client.js PROTOS TARGET SCENARIO [ARG]
//
// The protos are loaded at run time with @grpc/proto-loader. Each scenario prints one JSON object with what the client
// observed; the C# test decides whether that is right.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protos, target, scenario, arg] = process.argv.slice(2);
const definition = protoLoader.loadSync(
  [path.join(protos, 'align/v1/generation.proto'), path.join(protos, 'grpc/health/v1/health.proto')],
  { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protos] });
const loaded = grpc.loadPackageDefinition(definition);
const credentials = grpc.credentials.createInsecure();
const service = new loaded.align.v1.GenerationService(target, credentials);
const health = new loaded.grpc.health.v1.Health(target, credentials);
const codeName = (code) => Object.keys(grpc.status).find((k) => grpc.status[k] === code);
const deadline = (seconds) => ({ deadline: new Date(Date.now() + seconds * 1000) });

function unary(client, method, request, options = {}, metadata = new grpc.Metadata()) {
  return new Promise((resolve) => {
    client[method](request, metadata, options, (error, response) =>
      resolve(error ? { code: codeName(error.code), details: error.details } : { code: 'OK', response }));
  });
}

function image(i) {
  return { seed: Number(i.seed), png_base64: Buffer.from(i.png).toString('base64'), rewards: i.rewards };
}

function result(r) {
  return { code: 'OK', request_id: r.request_id, model: r.model, scheduler: r.scheduler, images: r.images.map(image),
    alignment: { method: r.alignment.method, iterations_run: r.alignment.iterations_run,
      trace: r.alignment.trace.map((t) => ({ iteration: t.iteration, loss: t.loss, rewards: t.rewards, seed: t.seed === undefined || t.seed === null ? null : Number(t.seed) })) },
    timings_ms: r.timings_ms };
}

async function generate(request, options) {
  const r = await unary(service, 'Generate', request, options);
  return r.code === 'OK' ? result(r.response) : r;
}

// Reads a stream to its end; onMessage may cancel it. Resolves with the messages and the final status.
function readStream(call, onMessage = () => {}) {
  const messages = [];
  return new Promise((resolve) => {
    call.on('data', (m) => { messages.push(m); onMessage(m, call); });
    call.on('error', (e) => resolve({ code: codeName(e.code), details: e.details, messages }));
    call.on('end', () => resolve({ code: 'OK', messages }));
  });
}

const scenarios = {
  generate: () => generate({ prompt: 'a red circle', seed: 11, num_images: 2, steps: 6 }, deadline(60)),

  best_of_n: () => generate({ prompt: 'a red circle', seed: 30, steps: 4,
    alignment: { method: 'best_of_n', n: 3, rewards: { 'shapeworld-clip': 1.0 } } }, deadline(60)),
  // ReNO against the soft verifier with a bar every image clears: it stops after its first iteration
  reno_target: () => generate({ prompt: 'a red circle', seed: 4, steps: 2,
    alignment: { method: 'reno', iterations: 3, target_reward: -1e9, rewards: { 'shapeworld-soft-verifier': 1.0 } } }, deadline(60)),

  seeded_png: () => generate({ prompt: 'two red circles above a blue square', seed: Number(arg), steps: 6 }, deadline(60)),

  stream: async () => {
    const r = await readStream(service.GenerateStream({ prompt: 'a green triangle', seed: 2, steps: 4 }, deadline(60)));
    const last = r.messages.filter((m) => m.event === 'result').pop();
    return { code: r.code, details: r.details, events: r.messages.map((m) => m.event), result: last ? result(last.result) : null };
  },

  // previews of a plain run, then best-of-n's candidates per batch, as the progress events carry them
  stream_extras: async () => {
    const plain = await readStream(service.GenerateStream({ prompt: 'a green triangle', seed: 2, steps: 6, num_images: 2, previews: 2 }, deadline(60)));
    const previews = plain.messages.filter((m) => m.event === 'progress' && m.progress.previews.length > 0)
      .map((m) => ({ step: m.progress.step, png_base64: m.progress.previews.map((p) => Buffer.from(p).toString('base64')) }));
    const best = await readStream(service.GenerateStream({ prompt: 'a red circle', seed: 30, steps: 4,
      alignment: { method: 'best_of_n', n: 3, rewards: { 'shapeworld-clip': 1.0 } } }, deadline(60)));
    const candidates = best.messages.filter((m) => m.event === 'progress').flatMap((m) => m.progress.candidates)
      .map((c) => ({ iteration: c.iteration, loss: c.loss, rewards: c.rewards, seed: Number(c.seed) }));
    const last = best.messages.filter((m) => m.event === 'result').pop();
    return { code: plain.code === 'OK' ? best.code : plain.code, previews, candidates, result: last ? result(last.result) : null };
  },

  deadline: async () => {
    // a first call connects the channel, so that the deadline is spent on the server, not on connecting
    await unary(health, 'Check', { service: '' }, deadline(10));
    const start = Date.now();
    const r = await generate({ prompt: 'a red circle', steps: 100 }, deadline(0.2));
    return { ...r, seconds: (Date.now() - start) / 1000 };
  },

  cancel: async () => {
    const call = service.GenerateStream({ prompt: 'a blue square', seed: 5, steps: 100, width: 128, height: 128 }, deadline(60));
    const r = await readStream(call, (m, c) => { if (m.event === 'progress') c.cancel(); });
    const start = Date.now();
    const after = await generate({ prompt: 'a red circle', steps: 4 }, deadline(60));
    return { code: r.code, details: r.details, events: r.messages.map((m) => m.event), after: { code: after.code, seconds: (Date.now() - start) / 1000, queue_ms: after.timings_ms ? after.timings_ms.queue : null } };
  },

  // the same seed with the model's own sampler, naming it, DDIM instead, and a sampler the server does not have
  scheduler: async () => {
    const run = (extra) => generate({ prompt: 'a red circle', seed: 5, steps: 4, ...extra }, deadline(60));
    return { code: 'OK', own: await run({}), euler: await run({ scheduler: 'euler' }), ddim: await run({ scheduler: 'ddim' }),
      bad: await run({ scheduler: 'dpm' }) };
  },

  invalid: () => generate({ prompt: 'a red circle', width: 63 }, deadline(30)),

  not_found: () => generate({ prompt: 'a red circle', model: 'sdxl' }, deadline(30)),

  health: async () => {
    const check = async (name) => {
      const r = await unary(health, 'Check', { service: name }, deadline(10));
      return r.code === 'OK' ? r.response.status : r;
    };
    const firstOfWatch = (name) => new Promise((resolve) => {
      const call = health.Watch({ service: name }, deadline(30));
      call.on('data', (m) => { resolve(m.status); call.cancel(); });
      call.on('error', (e) => resolve(codeName(e.code)));
    });
    return { code: 'OK', check: await check(''), check_service: await check('align.v1.GenerationService'),
      check_unknown: await check('no.such.Service'), watch_first: await firstOfWatch(''),
      watch_unknown_first: await firstOfWatch('no.such.Service') };
  },

  unknown_method: async () => {
    const generic = new grpc.Client(target, credentials);
    const call = (method) => new Promise((resolve) => {
      generic.makeUnaryRequest(method, (x) => x, (x) => x, Buffer.alloc(0), deadline(10),
        (e) => resolve(e ? { code: codeName(e.code), details: e.details } : { code: 'OK' }));
    });
    return { method: await call('/align.v1.GenerationService/Nope'), service: await call('/align.v9.Nothing/Generate') };
  },

  list_models: async () => {
    const models = await unary(service, 'ListModels', {}, deadline(10));
    const adapters = await unary(service, 'ListAdapters', {}, deadline(10));
    if (models.code !== 'OK') return models;
    if (adapters.code !== 'OK') return adapters;
    return { code: 'OK', adapters: adapters.response.adapters.length, models: models.response.models.map((m) => ({
      name: m.name, ready: m.ready, default_width: m.default_width, rewards: m.rewards,
      default_scheduler: m.default_scheduler, schedulers: m.schedulers })) };
  },
};

scenarios[scenario]().then((out) => {
  console.log(JSON.stringify(out));
  process.exit(0);
}, (e) => {
  console.error(e);
  process.exit(1);
});
