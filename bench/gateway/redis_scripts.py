# Usage: python3 bench/gateway/redis_scripts.py PORT TOTAL MEASURED OLD_SCRIPTS_CPP NEW_SCRIPTS_CPP
#   e.g. git show main:src/store/scripts.cpp > /tmp/old.cpp;
#        python3 bench/gateway/redis_scripts.py 16398 80000 20000 /tmp/old.cpp src/store/scripts.cpp
# (old = layout 1 settle arguments, without estimated_tokens; starts its own redis-server on PORT)
# Redis-side CPU of the admit + settle scripts, old (main) vs new (branch), on the bench's two
# scopes (key: rpm, tpm, max_parallel, hard budget; team: rpm, tpm, hard budget), simulated at
# 1,000 requests/s (now advances 1 ms per request), settled 2 ms after admission. Reads
# INFO commandstats (usec per EVALSHA) over the last part, after the windows are full.
import re, socket, sys, time, subprocess, os
def lua(path):
    s = open(path).read()
    g = lambda n: re.search(r'constexpr const char\* ' + n + r' = R"lua\((.*?)\)lua";', s, re.S).group(1)
    return g('kPrelude') + g('kAdmit'), g('kPrelude') + g('kSettle')
def enc(args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)
class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port)); self.buf = b''
    def send(self, cmds): self.s.sendall(b''.join(enc(c) for c in cmds))
    def _line(self):
        while b'\r\n' not in self.buf: self.buf += self.s.recv(1 << 20)
        l, self.buf = self.buf.split(b'\r\n', 1); return l
    def read(self):
        l = self._line(); t = l[:1]
        if t in (b'+', b':'): return l[1:]
        if t == b'-': raise RuntimeError(l)
        if t == b'$':
            n = int(l[1:])
            if n < 0: return None
            while len(self.buf) < n + 2: self.buf += self.s.recv(1 << 20)
            v, self.buf = self.buf[:n], self.buf[n + 2:]; return v
        if t == b'*':
            n = int(l[1:]); return None if n < 0 else [self.read() for _ in range(n)]
    def cmd(self, *a): self.send([a]); return self.read()
def cpu(pid):
    f=open(f'/proc/{pid}/stat').read().rsplit(')',1)[1].split()
    return (int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK')
def run(port, path, new, total, measure, pid=None):
    c = Conn(port)
    admit, settle = lua(path)
    sa, ss = c.cmd('SCRIPT', 'LOAD', admit), c.cmd('SCRIPT', 'LOAD', settle)
    T0 = 1800000000000
    scopes = ['key:k-bench', 100000000, 100000000000, 100000, 10**15, 0, 0, 0,
              'team:bench', 100000000, 100000000000, 0, 10**15, 0, 0, 0]
    batch = 500
    def admit_cmd(i):
        return ['EVALSHA', sa, 0, 'b:', T0 + i, 'r%d' % i, 1800000, 520, 9000, 2] + scopes
    def settle_cmd(i):
        base = ['EVALSHA', ss, 0, 'b:', T0 + i + 2, 'r%d' % i, 30, 4000, 0, T0 + i, 1800000, 2, 9000]
        if new: base.append(520)
        return base + scopes
    for start in range(0, total, batch):
        if start == total - measure: c.cmd('CONFIG', 'RESETSTAT'); c0 = cpu(pid)
        cmds = []
        for i in range(start, start + batch):
            cmds.append(admit_cmd(i))
            if i >= 2: cmds.append(settle_cmd(i - 2))
        c.send(cmds)
        for _ in cmds:
            r = c.read()
    c1 = cpu(pid)
    st = c.cmd('INFO', 'commandstats').decode()
    m = re.search(r'cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)', st)
    calls, usec = int(m.group(1)), int(m.group(2))
    return usec / (calls / 2), calls, (c1 - c0) * 1e6 / (calls / 2)
port = int(sys.argv[1])
old, new_path = sys.argv[4], sys.argv[5]
for label, path, new in [('old', old, False), ('new', new_path, True)] * 2:
    p = subprocess.Popen(['redis-server', '--port', str(port), '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        us, calls, cp = run(port, path, new, int(sys.argv[2]), int(sys.argv[3]), p.pid)
        print(f'{label:7} admit+settle per request: redis-server CPU {cp:.1f} us (/proc), EVALSHA wall {us:.1f} us (INFO commandstats), {calls} EVALSHA', flush=True)
    finally:
        p.terminate(); p.wait()
