// The renderer's hash router (pure parts): what other features rely on when they
// add a page to renderer/src/routes.tsx.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { href, matchPath, parseHash } from '../../renderer/src/shell/router';

test('matchPath extracts and decodes params, and refuses other shapes', () => {
  assert.deepEqual(matchPath('/sites/:siteId/openings/:openingId', '/sites/3/openings/1-101A'), { siteId: '3', openingId: '1-101A' });
  assert.deepEqual(matchPath('/sites/:siteId/openings/:openingId', '/sites/3/openings/B%2F2%20east'), {
    siteId: '3',
    openingId: 'B/2 east',
  });
  assert.deepEqual(matchPath('/sites', '/sites'), {});
  assert.equal(matchPath('/sites/:siteId', '/sites'), null);
  assert.equal(matchPath('/sites/:siteId', '/sites/3/runs'), null);
  assert.equal(matchPath('/sites/:siteId/runs', '/sites/3/openings'), null);
});

test('href encodes each param and the query, and round-trips through parseHash and matchPath', () => {
  const h = href('/sites/:siteId/openings/:openingId', { siteId: 7, openingId: 'B/2 #3' }, { search: 'lab door', category: undefined });
  assert.equal(h, '#/sites/7/openings/B%2F2%20%233?search=lab+door');
  const loc = parseHash(h);
  assert.equal(loc.query.get('search'), 'lab door');
  assert.deepEqual(matchPath('/sites/:siteId/openings/:openingId', loc.path), { siteId: '7', openingId: 'B/2 #3' });
});

test('parseHash: empty, trailing slash, and the web host token are not routes', () => {
  assert.equal(parseHash('').path, '/');
  assert.equal(parseHash('#/sites/').path, '/sites');
  assert.equal(parseHash('#token=abc').path, '/');
});
