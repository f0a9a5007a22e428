import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listBackups, newBackupName, pruneBackups, resolveBackup, stamp } from './folders';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'folders-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A complete backup (with its manifest), or a folder without one. */
function folder(name: string, complete = true) {
  mkdirSync(path.join(dir, name), { recursive: true });
  if (complete) writeFileSync(path.join(dir, name, 'manifest.json'), '{}');
}

it('names a backup by its UTC time, and a second one in the same second apart', () => {
  const at = new Date('2026-12-04T20:48:30.123Z');
  expect(stamp(at)).toBe('20261204T204830Z');
  expect(newBackupName(dir, at)).toBe('20261204T204830Z');
  folder('20261204T204830Z');
  folder('20261204T204830Z-2.partial', false);
  expect(newBackupName(dir, at)).toBe('20261204T204830Z-3');
});

it('keeps the newest N complete backups and leaves everything else alone', () => {
  for (const name of ['20261201T000000Z', '20261202T000000Z', '20261203T000000Z', '20261203T000000Z-2']) folder(name);
  folder('20261204T000000Z.partial', false); // being written
  folder('20261130T000000Z', false); // no manifest: not a backup
  folder('notes');
  expect(listBackups(dir)).toEqual(['20261203T000000Z-2', '20261203T000000Z', '20261202T000000Z', '20261201T000000Z']);
  expect(pruneBackups(dir, 2)).toEqual(['20261202T000000Z', '20261201T000000Z']);
  expect(listBackups(dir)).toEqual(['20261203T000000Z-2', '20261203T000000Z']);
  for (const kept of ['20261204T000000Z.partial', '20261130T000000Z', 'notes'])
    expect(existsSync(path.join(dir, kept))).toBe(true);
});

it('finds a backup by path, by name, or the latest, and says when there is none', () => {
  expect(() => resolveBackup(dir, 'latest')).toThrow(/there is no backup in/);
  folder('20261201T000000Z');
  folder('20261202T000000Z');
  expect(resolveBackup(dir, 'latest')).toBe(path.join(dir, '20261202T000000Z'));
  expect(resolveBackup(dir, '20261201T000000Z')).toBe(path.join(dir, '20261201T000000Z'));
  expect(resolveBackup('/nowhere', path.join(dir, '20261201T000000Z'))).toBe(path.join(dir, '20261201T000000Z'));
  expect(() => resolveBackup(dir, '20991231T000000Z')).toThrow(/no backup 20991231T000000Z/);
});
