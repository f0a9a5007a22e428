import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A scratch Git repository in a temporary folder, for checks that compare a change with its base:
 * commit a base on `main`, branch off, change files, commit, run the check with `root`.
 */
export class GitRepo {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'polystore-repo-'));

  constructor() {
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'check@example.com');
    this.git('config', 'user.name', 'check');
    this.git('config', 'commit.gpgsign', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  write(file: string, text: string): this {
    const full = path.join(this.root, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    return this;
  }

  read(file: string): string {
    return readFileSync(path.join(this.root, file), 'utf8');
  }

  remove(file: string): this {
    rmSync(path.join(this.root, file), { recursive: true, force: true });
    return this;
  }

  /** Replace text in a file, failing when the text is not there (a fixture that silently did nothing). */
  edit(file: string, from: string, to: string): this {
    const text = this.read(file);
    if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
    return this.write(file, text.replace(from, to));
  }

  commit(message: string): this {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this;
  }

  /** A fresh branch from main with a clean working tree. */
  branch(name: string): this {
    this.git('checkout', '-q', '-f', '-B', name, 'main');
    this.git('clean', '-q', '-fdx');
    return this;
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
