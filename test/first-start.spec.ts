import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

/** `npm start` with no ADMIN_API_KEY must still let its operator in. */
describe('first start without ADMIN_API_KEY', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(gatewayYaml(), { ADMIN_API_KEY: '' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('writes an admin key to DATA_DIR/admin-api-key (0600) that streams a completion and administers', async () => {
    const file = join(app.dataDir, 'admin-api-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8').trim();
    expect(key).toMatch(/^tly_[A-Za-z0-9_-]{43}$/);
    const stream = await postSse(app.url, key, {
      model: 'local-sim/sim-small',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(stream.status).toBe(200);
    expect(stream.frames.at(-1)).toBe('[DONE]');
    const users = await fetch(`${app.url}/admin/users`, { headers: { authorization: `Bearer ${key}` } });
    expect(users.status).toBe(200);
    const { rows } = await app.db.query('SELECT key_hash FROM api_keys');
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash.toString('utf8')).not.toContain(key);
  });
});
