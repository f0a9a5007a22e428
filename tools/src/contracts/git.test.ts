import { GitRepo } from '../../../test-support/git-repo';
import { resolveBase } from './git';

describe('the base a change is compared with', () => {
  const repo = new GitRepo();
  afterAll(() => repo.dispose());

  it('is none, with the reason, on the first commit of main', () => {
    repo.write('a.txt', 'one\n').commit('first');
    expect(resolveBase(repo.root)).toEqual({
      skipped: 'HEAD is on main and has no parent here (first commit or shallow clone): no base to compare with',
    });
  });

  it('is HEAD~1 on main, and the merge-base with main on a branch', () => {
    const first = repo.git('rev-parse', 'HEAD').trim();
    repo.write('a.txt', 'two\n').commit('second');
    const onMain = resolveBase(repo.root);
    expect(onMain).toMatchObject({ commit: first, ref: 'HEAD~1' });
    if (!('skipped' in onMain)) expect(onMain.source.read('a.txt')).toBe('one\n');

    const second = repo.git('rev-parse', 'HEAD').trim();
    repo.branch('feature').write('a.txt', 'three\n').commit('third');
    repo.git('checkout', '-q', 'main');
    repo.write('b.txt', 'main moved on\n').commit('fourth');
    repo.git('checkout', '-q', 'feature');
    const onBranch = resolveBase(repo.root);
    expect(onBranch).toMatchObject({ commit: second, ref: 'main' });
    if (!('skipped' in onBranch)) expect(onBranch.source.list('.')).toEqual(['a.txt']);
  });

  it('is the ref given, and an unknown ref is an error', () => {
    expect(resolveBase(repo.root, 'main')).toMatchObject({ ref: 'main' });
    expect(() => resolveBase(repo.root, 'no-such-branch')).toThrow('base no-such-branch is not a revision');
  });
});
