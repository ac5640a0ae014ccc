// The desktop app grants the renderer the camera (door labels' QR codes) and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowPermissionCheck, allowPermissionRequest } from '../../app/permissions';

test('the camera is allowed; microphone and every other permission are refused', () => {
  assert.equal(allowPermissionRequest('media', { mediaTypes: ['video'] }), true);
  assert.equal(allowPermissionRequest('media', { mediaTypes: ['video', 'audio'] }), false);
  assert.equal(allowPermissionRequest('media', { mediaTypes: ['audio'] }), false);
  assert.equal(allowPermissionRequest('media', {}), false);
  for (const p of ['geolocation', 'notifications', 'display-capture', 'clipboard-read', 'openExternal', 'midi'])
    assert.equal(allowPermissionRequest(p, { mediaTypes: ['video'] }), false, p);
  assert.equal(allowPermissionCheck('media', { mediaType: 'video' }), true);
  assert.equal(allowPermissionCheck('media', { mediaType: 'audio' }), false);
  assert.equal(allowPermissionCheck('geolocation', {}), false);
});
