#!/usr/bin/env python3
"""Single-point mutation testing of blr's Go packages.

Each mutant changes one place of one non-test .go file (swaps + and -, * and
/, < and <=, > and >=, == and !=, && and ||; bumps a numeric literal; negates
an if condition; drops the right side of a += or -=), then runs the package's
`go test -short`: a mutant that compiles and passes is a behaviour no test
pins down, to be argued equivalent or pinned by a new test.

It edits files in place, so run it in a worktree of its own, never in the
working tree:

    git worktree add /tmp/mut HEAD
    python3 bench/mutate/mutate.py --repo /tmp/mut --pkgs expfam,metrics --max 200 --out /tmp/mut.jsonl
    python3 bench/mutate/mutate.py --repo /tmp/mut --pkgs . --list     # the mutants, not run
    git worktree remove --force /tmp/mut

The selection is a seeded weighted sample (--seed), spread over the files in
proportion to their candidates (at least --min-per-file each), favouring
numbers, comparisons and conditions. One JSON line per mutant goes to --out:
file, line, kind, the changed line and killed / survived / timeout /
nocompile. This is the tool of the seventh session's mutation testing
(bench/README.md); the counts in its closing note came from per-package
variants of it.
"""
import argparse, json, os, random, re, subprocess, sys, time, glob

def mask_line(line):
    """Return the code part of a line with string/rune literals masked by '#',
    comments removed (replaced with spaces)."""
    out = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == '/' and i + 1 < n and line[i+1] == '/':
            out.append(' ' * (n - i)); break
        if c in '"`\'':
            q = c; j = i + 1
            while j < n and line[j] != q:
                if line[j] == '\\' and q != '`': j += 1
                j += 1
            j = min(j + 1, n)
            out.append(q + '#' * (j - i - 2) + (q if j - i >= 2 else '')); i = j; continue
        out.append(c); i += 1
    return ''.join(out)[:n]

SKIP_LINE = re.compile(r'(Reason:|fmt\.Sprintf|fmt\.Errorf|errors\.New|panic\(|^\s*//|^\s*\*|^\s*import|^\s*package|Error\(\))')

def mutants_for_line(code, raw):
    """Yield (kind, col_start, col_end, replacement) for one masked line."""
    res = []
    def add(kind, m, rep, g=0):
        res.append((kind, m.start(g), m.end(g), rep))
    for m in re.finditer(r'(?<![+\-=<>!*/&|^%:])([+\-])(?![+\-=>])', code):
        # skip exponent signs like 1e-12 and unary after '(' ',' or '=' handled: still valid mutants
        s = m.start(1)
        if s > 0 and code[s-1] in 'eE' and s > 1 and code[s-2].isdigit():
            continue
        add('arith+-', m, '-' if m.group(1) == '+' else '+', 1)
    for m in re.finditer(r'([+\-])=', code):
        add('assign+-', m, '-=' if m.group(1) == '+' else '+=')
    for m in re.finditer(r'(?<![*/])([*/])(?![*/=])', code):
        add('arith*/', m, '/' if m.group(1) == '*' else '*', 1)
    for m in re.finditer(r'([*/])=', code):
        add('assign*/', m, '/=' if m.group(1) == '*' else '*=')
    for m in re.finditer(r'(?<![<\-])<(=?)(?![<\-])', code):
        add('rel<', m, '<' if m.group(1) else '<=')
    for m in re.finditer(r'(?<![>\-=])>(=?)(?![>])', code):
        add('rel>', m, '>' if m.group(1) else '>=')
    for m in re.finditer(r'([=!])=', code):
        if m.start() > 0 and code[m.start()-1] in '<>:=!': continue
        add('eq', m, '!=' if m.group(1) == '=' else '==')
    for m in re.finditer(r'&&|\|\|', code):
        add('logic', m, '||' if m.group(0) == '&&' else '&&')
    for m in re.finditer(r'(?<![\w.])(\d+\.\d*|\d*\.\d+|\d+)([eE][+\-]?\d+)?(?![\w.])', code):
        lit = m.group(0)
        base, exp = m.group(1), m.group(2)
        if exp:
            e = int(exp[1:])
            rep = base + exp[0] + str(e + 1)
        elif '.' in base:
            v = float(base)
            rep = repr(round(v + 0.1, 10)) if v < 10 else repr(v * 1.1)
        else:
            v = int(base)
            rep = str(v + 1)
        add('num', m, rep)
    m = re.match(r'^(\s*(?:\}\s*else\s+)?if\s+)(.*?)(\s*\{\s*)$', code)
    if m and ';' not in m.group(2):
        res.append(('negate', m.start(2), m.end(2), '!(' + raw[m.start(2):m.end(2)] + ')'))
    m = re.match(r'^(\s*)([\w.\[\]]+)\s*([+\-])=\s*(.+?)\s*$', code)
    if m:
        res.append(('drop+=', m.start(4), m.end(4), '0'))
    return res

def candidates(repo, pkgs):
    cands = []
    for pkg in pkgs:
        for f in sorted(glob.glob(os.path.join(repo, pkg, '*.go'))):
            if f.endswith('_test.go'): continue
            rel = os.path.relpath(f, repo)
            lines = open(f).read().split('\n')
            in_block = False
            for ln, raw in enumerate(lines, 1):
                s = raw.strip()
                if in_block:
                    if '*/' in s: in_block = False
                    continue
                if s.startswith('/*'):
                    in_block = '*/' not in s; continue
                if SKIP_LINE.search(raw) or not s: continue
                if s.startswith('func ') or s.startswith('type ') or s.startswith('var ') and '=' not in s: 
                    continue
                code = mask_line(raw)
                for kind, a, b, rep in mutants_for_line(code, raw):
                    new = raw[:a] + rep + raw[b:]
                    if new == raw: continue
                    cands.append(dict(file=rel, line=ln, kind=kind, col=a, orig=raw.strip(), new=new.strip(), newline=new))
    return cands

def select(cands, maxn, seed, min_per_file):
    rng = random.Random(seed)
    # weight: numerics, conditions favoured; spread by file
    byfile = {}
    for c in cands: byfile.setdefault(c['file'], []).append(c)
    total = len(cands)
    picked = []
    for f, cs in sorted(byfile.items()):
        quota = max(min_per_file, round(maxn * len(cs) / total))
        w = [3 if c['kind'] in ('num', 'rel<', 'rel>', 'eq', 'logic', 'negate', 'drop+=') else 1 for c in cs]
        chosen = set()
        pool = list(range(len(cs)))
        while pool and len(chosen) < min(quota, len(cs)):
            i = rng.choices(pool, weights=[w[j] for j in pool])[0]
            chosen.add(i); pool.remove(i)
        picked += [cs[i] for i in sorted(chosen)]
    for i, c in enumerate(picked): c['id'] = i
    return picked

def run(cmd, cwd, timeout=130):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return 124, 'timeout'

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repo', required=True, help='a worktree of its own: files are edited in place')
    ap.add_argument('--pkgs', required=True, help="comma-separated package directories, '.' for the root package")
    ap.add_argument('--tags', default='', help='build tags for go build and go test (e.g. purego)')
    ap.add_argument('--min-per-file', type=int, default=5)
    ap.add_argument('--max', type=int, default=200)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--only', default='')
    ap.add_argument('--out', default='mutants.jsonl')
    ap.add_argument('--files', default='', help='comma-separated files to restrict to')
    ap.add_argument('--skip', default='', help='results.jsonl whose mutants are not rerun')
    a = ap.parse_args()
    cands = candidates(a.repo, [p.strip().strip('/') or '.' for p in a.pkgs.split(',')])
    if a.files:
        fs = set(a.files.split(','))
        cands = [c for c in cands if c['file'] in fs]
    if a.skip and os.path.exists(a.skip):
        done = {(r['file'], r['line'], r['new']) for r in map(json.loads, open(a.skip))}
        cands = [c for c in cands if (c['file'], c['line'], c['new']) not in done]
    picked = select(cands, a.max, a.seed, a.min_per_file)
    tags = ['-tags', a.tags] if a.tags else []
    if a.only:
        ids = {int(x) for x in a.only.split(',')}
        picked = [c for c in picked if c['id'] in ids]
    if a.list:
        print(len(cands), 'candidates;', len(picked), 'picked', file=sys.stderr)
        for c in picked: print(f"{c['id']:4d} {c['file']}:{c['line']} [{c['kind']}] {c['new']}")
        return
    out = open(a.out, 'a')
    for c in picked:
        path = os.path.join(a.repo, c['file'])
        pkg = './' + os.path.dirname(c['file'])
        lines = open(path).read().split('\n')
        lines[c['line']-1] = c['newline']
        open(path, 'w').write('\n'.join(lines))
        t0 = time.time()
        try:
            rc, o = run(['go', 'build'] + tags + [pkg], a.repo)
            if rc != 0:
                status = 'nocompile'
            else:
                rc, o = run(['timeout', '120', 'go', 'test', '-vet=off', '-p', '1', '-short', '-count=1'] + tags + [pkg], a.repo)
                status = 'survived' if rc == 0 else ('timeout' if rc == 124 else 'killed')
        finally:
            subprocess.run(['git', 'checkout', '--', c['file']], cwd=a.repo)
        fails = re.findall(r'--- FAIL: (\S+)', o)[:3]
        rec = dict(id=c['id'], file=c['file'], line=c['line'], kind=c['kind'], orig=c['orig'], new=c['new'], status=status, fails=fails, secs=round(time.time()-t0, 1))
        out.write(json.dumps(rec, ensure_ascii=False) + '\n'); out.flush()
        print(f"{c['id']:4d} {status:9s} {c['file']}:{c['line']} [{c['kind']}] {c['new']}", flush=True)

if __name__ == '__main__':
    main()
