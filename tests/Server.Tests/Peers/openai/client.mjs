// The official openai npm client against this server's /v1/images/generations. One scenario per run; it prints one JSON
// line with what the client observed (the xunit tests in OpenAiClientTests.cs check it).
// Usage: node client.mjs BASE_URL API_KEY SCENARIO
import OpenAI from 'openai';

const [baseURL, apiKey, scenario] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });

// Width and height from a PNG's IHDR chunk (bytes 16-23).
function pngSize(b64) {
  const png = Buffer.from(b64, 'base64');
  if (png.subarray(1, 4).toString('ascii') !== 'PNG') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bytes: png.length };
}

function describeError(e) {
  return {
    ok: false,
    class: e?.constructor?.name,
    is_api_error: e instanceof OpenAI.APIError,
    status: e?.status ?? null,
    type: e?.type ?? null,
    param: e?.param ?? null,
    code: e?.code ?? null,
    message: e?.message ?? String(e),
  };
}

const scenarios = {
  async generate() {
    const r = await client.images.generate({ model: 'shapeworld', prompt: 'a red circle', n: 2, size: '64x64', response_format: 'b64_json', user: 'test-user' });
    return { ok: true, created: r.created, count: r.data.length, images: r.data.map((d) => pngSize(d.b64_json)), output_format: r.output_format, size: r.size };
  },
  async 'bad-size'() {
    return await client.images.generate({ prompt: 'a red circle', size: '63x64' });
  },
  async 'bad-format'() {
    return await client.images.generate({ prompt: 'a red circle', size: '64x64', size_format_typo: 1 });
  },
  async url() {
    const r = await client.images.generate({ prompt: 'a red circle', size: '64x64', n: 2, response_format: 'url' });
    const images = [];
    for (const d of r.data) {
      const got = await fetch(d.url); // no key: the link itself is the capability
      images.push({ status: got.status, type: got.headers.get('content-type'), has_b64: d.b64_json !== undefined,
        ...pngSize(Buffer.from(await got.arrayBuffer()).toString('base64')) });
    }
    const gone = await fetch(r.data[0].url.replace(/\/[0-9a-f]+\.png$/, '/00000000000000000000000000000000.png'));
    return { ok: true, urls: r.data.map((d) => d.url), images, unknown_status: gone.status };
  },
  async 'unknown-model'() {
    return await client.images.generate({ model: 'dall-e-3', prompt: 'a red circle' });
  },
  async extensions() {
    // the extension object rides along as an extra body field, as any OpenAI client can send one
    const r = await client.images.generate({ prompt: 'a red circle', size: '64x64', extensions: { seed: 7, steps: 4 } });
    const again = await client.images.generate({ prompt: 'a red circle', size: '64x64', extensions: { seed: 7, steps: 4 } });
    const other = await client.images.generate({ prompt: 'a red circle', size: '64x64', extensions: { seed: 8, steps: 4 } });
    return { ok: true, same_seed_same_image: r.data[0].b64_json === again.data[0].b64_json, other_seed_differs: r.data[0].b64_json !== other.data[0].b64_json };
  },
  async 'bad-extension'() {
    return await client.images.generate({ prompt: 'a red circle', extensions: { steps: 0 } });
  },
  async stream() {
    const stream = await client.images.generate({ prompt: 'a blue square', size: '64x64', stream: true, partial_images: 2, extensions: { steps: 8 } });
    const events = [];
    for await (const event of stream) {
      events.push({ type: event.type, partial_image_index: event.partial_image_index ?? null, size: event.size, image: pngSize(event.b64_json) });
    }
    return { ok: true, events };
  },
  async 'wrong-key'() {
    const other = new OpenAI({ baseURL, apiKey: 'not-the-key', maxRetries: 0 });
    return await other.images.generate({ prompt: 'a red circle' });
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario '${scenario}' (one of ${Object.keys(scenarios).join(', ')})`);
  process.exit(2);
}
let result;
try {
  result = await run();
  if (result?.ok === undefined) result = { ok: true, unexpected_success: true };
} catch (e) {
  result = describeError(e);
}
console.log(JSON.stringify(result));
