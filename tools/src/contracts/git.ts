/**
 * Files as a check reads them: from the working tree, or as they were at a Git revision
 * (`git show <ref>:<path>`, `git ls-tree`). Never a network call: the base of a comparison is
 * whatever the local repository holds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface FileSource {
  /** Where the files come from, for messages: `working tree` or `main@3f2c1ab`. */
  readonly label: string;
  /** The file's text, or undefined when it does not exist there. Paths are relative to the repository root. */
  read(file: string): string | undefined;
  /** The names of the entries directly inside a folder (files and folders), sorted; [] when absent. */
  list(dir: string): string[];
}

export function workingTree(root: string): FileSource {
  return {
    label: 'working tree',
    read(file) {
      const full = path.join(root, file);
      return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
    },
    list(dir) {
      const full = path.join(root, dir);
      return existsSync(full) && statSync(full).isDirectory() ? readdirSync(full).sort() : [];
    },
  };
}

export function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryGit(root: string, args: string[]): string | undefined {
  try {
    return git(root, args).trim();
  } catch {
    return undefined;
  }
}

/** The files of one commit. */
export function atRevision(root: string, commit: string, label: string): FileSource {
  return {
    label,
    read(file) {
      try {
        return git(root, ['show', `${commit}:${file.split(path.sep).join('/')}`]);
      } catch {
        return undefined;
      }
    },
    list(dir) {
      const tree = dir === '.' || dir === '' ? '' : dir.split(path.sep).join('/');
      const out = tryGit(root, ['ls-tree', '--name-only', `${commit}:${tree}`]);
      return out ? out.split('\n').filter(Boolean).sort() : [];
    },
  };
}

export type Base = { source: FileSource; commit: string; ref: string } | { skipped: string };

/**
 * The revision to compare with. Given a ref, that ref (an unknown ref is an error: the caller asked
 * for it). Otherwise the merge-base of HEAD with `main` (or `origin/main`); when HEAD is on main
 * itself, its parent HEAD~1, so a commit on main is checked against the one before it; when there
 * is neither (a shallow clone, the first commit, no main), no base, with the reason.
 */
export function resolveBase(root: string, ref?: string): Base {
  if (ref) {
    const commit = tryGit(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (!commit) throw new Error(`base ${ref} is not a revision of this repository`);
    return { source: atRevision(root, commit, `${ref}@${commit.slice(0, 7)}`), commit, ref };
  }
  const head = tryGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (!head) return { skipped: 'no commit yet: nothing to compare with' };
  for (const main of ['main', 'origin/main']) {
    const tip = tryGit(root, ['rev-parse', '--verify', '--quiet', `${main}^{commit}`]);
    if (!tip) continue;
    const mergeBase = tryGit(root, ['merge-base', 'HEAD', main]);
    if (!mergeBase) return { skipped: `HEAD shares no history with ${main} (shallow clone?): no base to compare with` };
    if (mergeBase !== head) {
      return {
        source: atRevision(root, mergeBase, `merge-base with ${main}@${mergeBase.slice(0, 7)}`),
        commit: mergeBase,
        ref: main,
      };
    }
    const parent = tryGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}']);
    if (!parent)
      return {
        skipped: 'HEAD is on main and has no parent here (first commit or shallow clone): no base to compare with',
      };
    return { source: atRevision(root, parent, `HEAD~1@${parent.slice(0, 7)}`), commit: parent, ref: 'HEAD~1' };
  }
  return { skipped: 'no main or origin/main in this repository: no base to compare with (pass --base <ref>)' };
}

/** The repository root of a folder (its git top level), or the folder itself outside Git. */
export function repositoryRoot(dir: string): string {
  return tryGit(dir, ['rev-parse', '--show-toplevel']) ?? dir;
}
