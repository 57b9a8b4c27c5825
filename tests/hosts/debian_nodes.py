# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real Debian test nodes on loopback: debootstrapped roots, each with its own sshd.

How it works
------------
* ``build_root(suite)`` debootstraps Debian ``suite`` (bullseye, bookworm) into the cache directory
  ``${PIXIE_TEST_CACHE:-~/.cache/pixie-preflight-tests}/roots/<suite>`` with openssh-server, python3,
  python3-apt and sudo, an unprivileged user ``pixie`` with passwordless sudo, and the apt lists of
  the suite (main, updates, security) as they were at build time.  It also looks up the kernel ABI
  of the suite's current ``linux-image-amd64`` (``headers_release``) and puts the .deb files of
  ``linux-headers-<headers_release>`` and their dependencies into the root's apt archive cache, so
  the tests install real packages with real apt-get without talking to the mirror.  A root is
  built in a temporary directory next to its final place and renamed when complete: a half-built
  root is never reused.  The mirror is the Debian one this machine's apt sources name.
* ``Nodes.start()`` gives every node of a run a fresh overlay over the cached root (the cache
  stays pristine: headers installed by one run are gone in the next), bind-mounts /proc, /sys,
  /dev and /dev/pts into it, authorises a throwaway key generated for the run and starts
  ``sshd`` in the root on a free 127.0.0.1 port.  It writes an inventory with one host per root
  plus ``localhost``.
* ``Nodes.stop()`` (also run at exit and on SIGTERM/SIGINT) stops the sshds, unmounts everything
  under the run directory, and removes the run directory only when nothing is mounted under it.

Needs root, debootstrap and mount/chroot (Linux).  Command line, for use by hand::

    python tests/hosts/debian_nodes.py build [bullseye bookworm]   # build the cached roots
    python tests/hosts/debian_nodes.py up [bullseye bookworm]      # start nodes, print inventory, wait
"""

from __future__ import absolute_import, division, print_function

import atexit
import contextlib
import fcntl
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SUITES = {
    # suite -> (inventory host name, os-release VERSION_ID)
    'bullseye': ('debian11', '11'),
    'bookworm': ('debian12', '12'),
}
USER = 'pixie'
PACKAGES = ['openssh-server', 'python3', 'python3-apt', 'sudo']
NODE_INFO = 'var/lib/pixie-test/node.json'
FALLBACK_MIRROR = 'http://deb.debian.org/debian'
# Bump when build_root changes what a root holds: cached roots of another format are rebuilt.
ROOT_FORMAT = 2


class HarnessError(Exception):
    """A step of the harness failed; the message says which and why."""


def log(msg):
    sys.stderr.write('[debian_nodes] %s\n' % msg)
    sys.stderr.flush()


def cache_dir():
    return os.environ.get('PIXIE_TEST_CACHE') or os.path.join(
        os.path.expanduser('~'), '.cache', 'pixie-preflight-tests')


def missing_requirements():
    """Why the harness cannot run on this machine, or None when it can."""
    if not sys.platform.startswith('linux'):
        return 'the Debian test nodes need Linux'
    if os.geteuid() != 0:
        return 'the Debian test nodes need root (debootstrap, mount, chroot)'
    for tool in ('debootstrap', 'chroot', 'mount', 'umount', 'ssh', 'ssh-keygen'):
        if not shutil.which(tool):
            return '%s is not installed (tests/system-packages.txt lists the packages)' % tool
    return None


def run(cmd, **kwargs):
    """Run a command (list), raising HarnessError with its output when it fails."""
    kwargs.setdefault('stdout', subprocess.PIPE)
    kwargs.setdefault('stderr', subprocess.STDOUT)
    env = dict(os.environ, LC_ALL='C', DEBIAN_FRONTEND='noninteractive')
    env.update(kwargs.pop('env', {}))
    proc = subprocess.run(cmd, env=env, universal_newlines=True, check=False, **kwargs)
    if proc.returncode != 0:
        raise HarnessError('%s failed (rc=%d):\n%s' % (' '.join(cmd), proc.returncode, (proc.stdout or '')[-4000:]))
    return proc.stdout or ''


# ---------------------------------------------------------------- mirror ----------------------

def _sources_entries():
    """(uri, suites) pairs of the deb entries in this machine's apt sources."""
    entries = []
    files = ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*.list'))
    for path in files:
        try:
            with open(path) as f:
                for line in f:
                    words = line.split('#', 1)[0].split()
                    if len(words) >= 3 and words[0] == 'deb':
                        words = [w for w in words[1:] if not w.startswith('[')]
                        entries.append((words[0], words[1:2]))
        except (IOError, OSError):
            continue
    for path in sorted(glob.glob('/etc/apt/sources.list.d/*.sources')):
        try:
            with open(path) as f:
                text = f.read()
        except (IOError, OSError):
            continue
        for stanza in re.split(r'\n\s*\n', text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith('#') or ':' not in line:
                    continue
                key, value = line.split(':', 1)
                fields[key.strip().lower()] = value.split()
            if 'deb' in fields.get('types', []) and fields.get('enabled', ['yes'])[0] != 'no':
                for uri in fields.get('uris', []):
                    entries.append((uri, fields.get('suites', [])))
    return entries


def debian_mirrors():
    """(archive mirror, security mirror) read from this machine's apt sources."""
    archive = security = None
    for uri, suites in _sources_entries():
        uri = uri.rstrip('/')
        if any(s.endswith('-security') for s in suites) or uri.endswith('/debian-security'):
            security = security or uri
        elif uri.endswith('/debian'):
            archive = archive or uri
    archive = archive or FALLBACK_MIRROR
    security = security or archive.rsplit('/', 1)[0] + '/debian-security'
    return archive, security


# ---------------------------------------------------------------- mounts ----------------------

def _unescape(path):
    return re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), path)


def mounts_under(path):
    """Mount points at or below ``path`` (deepest first)."""
    path = os.path.realpath(path)
    found = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            point = _unescape(line.split()[4])
            if point == path or point.startswith(path.rstrip('/') + '/'):
                found.append(point)
    return sorted(set(found), key=lambda p: (-p.count('/'), p))


def unmount_all(path):
    """Unmount everything at or below ``path``; return what could not be unmounted."""
    for _attempt in range(3):
        points = mounts_under(path)
        if not points:
            return []
        for point in points:
            if subprocess.call(['umount', point], stderr=subprocess.DEVNULL) != 0:
                subprocess.call(['umount', '-l', point], stderr=subprocess.DEVNULL)
    return mounts_under(path)


def safe_rmtree(path):
    """Remove ``path`` unless something is still mounted under it (never delete through a bind)."""
    if not os.path.lexists(path):
        return
    left = unmount_all(path)
    if left:
        raise HarnessError('not removing %s: still mounted: %s' % (path, ', '.join(left)))
    subprocess.call(['rm', '-rf', '--one-file-system', path])


def mount_system_dirs(root):
    """Mount /proc, /sys, /dev and /dev/pts into ``root``."""
    for sub, cmd in (
        ('proc', ['mount', '-t', 'proc', 'proc']),
        ('sys', ['mount', '--bind', '/sys']),
        ('dev', ['mount', '--bind', '/dev']),
        ('dev/pts', ['mount', '--bind', '/dev/pts']),
    ):
        target = os.path.join(root, sub)
        if not os.path.isdir(target):
            os.makedirs(target)
        run(cmd + [target])


# ---------------------------------------------------------------- build -----------------------

def root_path(suite):
    return os.path.join(cache_dir(), 'roots', suite)


def read_node_info(root):
    with open(os.path.join(root, NODE_INFO)) as f:
        return json.load(f)


def root_is_complete(suite):
    try:
        info = read_node_info(root_path(suite))
        return info.get('suite') == suite and info.get('format') == ROOT_FORMAT
    except (IOError, OSError, ValueError):
        return False


def chroot(root, *cmd):
    return run(['chroot', root] + list(cmd))


def headers_release_in(root):
    """The kernel ABI (e.g. 6.1.0-28-amd64) of the root's current linux-image-amd64."""
    out = chroot(root, 'apt-cache', 'depends', 'linux-image-amd64')
    m = re.search(r'Depends: linux-image-(\d\S*-amd64)\s*$', out, re.M)
    if not m:
        raise HarnessError('cannot find the kernel ABI of linux-image-amd64 in %s:\n%s' % (root, out))
    return m.group(1)


@contextlib.contextmanager
def cache_lock():
    """Hold the cache's lock: one process builds (or removes) roots at a time."""
    parent = os.path.join(cache_dir(), 'roots')
    if not os.path.isdir(parent):
        os.makedirs(parent)
    with open(os.path.join(parent, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_root(suite):
    """Build the cached root of ``suite`` unless it is already complete; return its path."""
    if root_is_complete(suite):
        return root_path(suite)
    with cache_lock():
        return _build_root(suite)


def _build_root(suite):
    final = root_path(suite)
    if root_is_complete(suite):     # built by another process while we waited for the lock
        return final
    parent = os.path.dirname(final)
    # Leftovers of an interrupted build (and an incomplete root at the final place) go first.
    for stale in glob.glob(os.path.join(parent, '.%s.build-*' % suite)):
        safe_rmtree(stale)
    safe_rmtree(final)
    work = tempfile.mkdtemp(prefix='.%s.build-' % suite, dir=parent)
    archive, security = debian_mirrors()
    started = time.time()
    log('building %s root in %s from %s' % (suite, work, archive))
    try:
        run(['debootstrap', '--variant=minbase', '--include=' + ','.join(PACKAGES), suite, work, archive])
        mount_system_dirs(work)
        with open(os.path.join(work, 'etc/apt/sources.list'), 'w') as f:
            f.write('deb %s %s main\n' % (archive, suite))
            f.write('deb %s %s-updates main\n' % (archive, suite))
            f.write('deb %s %s-security main\n' % (security, suite))
        chroot(work, 'apt-get', 'update', '-q')
        chroot(work, 'useradd', '--create-home', '--shell', '/bin/bash', USER)
        # No password, but not locked either: sshd (without PAM) refuses locked accounts.
        chroot(work, 'usermod', '--password', '*', USER)
        sudoers = os.path.join(work, 'etc/sudoers.d', USER)
        with open(sudoers, 'w') as f:
            f.write('%s ALL=(ALL) NOPASSWD: ALL\n' % USER)
        os.chmod(sudoers, 0o440)
        release = headers_release_in(work)
        # The .deb files the install test needs, so that it runs without the network.
        chroot(work, 'apt-get', 'install', '-y', '-q', '--download-only', '--no-install-recommends',
               'linux-headers-%s' % release)
        info = {'suite': suite, 'format': ROOT_FORMAT, 'headers_release': release, 'mirror': archive,
                'built_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                'build_seconds': round(time.time() - started, 1)}
        os.makedirs(os.path.join(work, os.path.dirname(NODE_INFO)))
        with open(os.path.join(work, NODE_INFO), 'w') as f:
            json.dump(info, f, indent=1)
        left = unmount_all(work)
        if left:
            raise HarnessError('could not unmount %s' % ', '.join(left))
        os.rename(work, final)
        log('built %s root (headers release %s) in %.0f s' % (suite, release, time.time() - started))
    except BaseException:
        try:
            safe_rmtree(work)
        except HarnessError as exc:
            log(str(exc))
        raise
    return final


# ---------------------------------------------------------------- nodes -----------------------

def processes_rooted_in(path):
    """Ids of the processes whose root directory is ``path`` or below it."""
    path = os.path.realpath(path)
    pids = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                root = os.readlink('/proc/%s/root' % entry)
            except OSError:
                continue
            if root == path or root.startswith(path.rstrip('/') + '/'):
                pids.append(int(entry))
    return pids


def free_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


def wait_for_ssh(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise HarnessError('sshd on port %d exited with %s' % (port, proc.returncode))
        try:
            sock = socket.create_connection(('127.0.0.1', port), timeout=2)
            try:
                if sock.recv(64).startswith(b'SSH-'):
                    return
            finally:
                sock.close()
        except (IOError, OSError):
            pass
        time.sleep(0.2)
    raise HarnessError('sshd on port %d did not answer within %d s' % (port, timeout))


class Node(object):
    """One running test node."""

    def __init__(self, suite, name, root, port, info):
        self.suite = suite
        self.name = name
        self.root = os.path.realpath(root)   # the merged overlay the node runs in
        self.port = port
        self.version_id = SUITES[suite][1]
        self.headers_release = info['headers_release']
        self.info = info
        self.proc = None

    def chroot_cmd(self, *cmd):
        """Run a command inside the node (as root, without ssh); return its CompletedProcess."""
        return subprocess.run(['chroot', self.root] + list(cmd), stdout=subprocess.PIPE, check=False,
                              stderr=subprocess.STDOUT, universal_newlines=True,
                              env=dict(os.environ, LC_ALL='C'))

    def processes(self):
        """Ids of the processes running inside the node (their root is the node's root)."""
        return processes_rooted_in(self.root)

    def kill_processes(self):
        """Stop sshd and everything it started in the node (sessions, ansible's modules)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except OSError:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.processes():
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.time() + 5
            while self.processes() and time.time() < deadline:
                time.sleep(0.1)
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def package_installed(self, package):
        out = self.chroot_cmd('dpkg-query', '-W', '-f=${Status}', package)
        return out.returncode == 0 and 'install ok installed' in out.stdout


RUNDIR_PREFIX = 'pixie-nodes.'


def process_alive(pid):
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (IOError, OSError, IndexError):
        return False


def clean_stale_rundirs():
    """Undo what runs killed before they could clean up (their owner process is gone) left behind."""
    for rundir in glob.glob(os.path.join(tempfile.gettempdir(), RUNDIR_PREFIX + '*')):
        try:
            with open(os.path.join(rundir, 'owner.pid')) as f:
                owner = int(f.read().strip())
        except (IOError, OSError, ValueError):
            continue
        if process_alive(owner):
            continue
        log('cleaning up %s left by process %d' % (rundir, owner))
        for pid in processes_rooted_in(rundir):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            safe_rmtree(rundir)
        except HarnessError as exc:
            log(str(exc))


class Nodes(object):
    """Start the Debian test nodes of ``suites``; ``stop()`` undoes everything."""

    def __init__(self, suites=('bullseye', 'bookworm')):
        self.suites = list(suites)
        self.rundir = None
        self.nodes = []
        self.inventory = None
        self.key = None
        self.setup_seconds = None
        self._stopped = False

    # Names the end-to-end tests use.
    @property
    def hosts(self):
        return [n.name for n in self.nodes]

    @property
    def ports(self):
        return dict((n.name, n.port) for n in self.nodes)

    def node(self, name):
        for n in self.nodes:
            if n.name == name or n.suite == name:
                return n
        raise KeyError(name)

    def start(self):
        started = time.time()
        why = missing_requirements()
        if why:
            raise HarnessError(why)
        atexit.register(self.stop)
        clean_stale_rundirs()
        roots = self._roots()
        self.rundir = tempfile.mkdtemp(prefix=RUNDIR_PREFIX)
        try:
            with open(os.path.join(self.rundir, 'owner.pid'), 'w') as f:
                f.write('%d\n' % os.getpid())
            self.key = os.path.join(self.rundir, 'id_ed25519')
            run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'pixie-preflight-tests', '-f', self.key])
            with open(self.key + '.pub') as f:
                pubkey = f.read()
            for suite, lower in roots:
                self._start_node(suite, lower, pubkey)
            self.inventory = os.path.join(self.rundir, 'inventory.yml')
            with open(self.inventory, 'w') as f:
                json.dump(self.inventory_data(), f, indent=1)
        except BaseException:
            self.stop()
            raise
        self.setup_seconds = time.time() - started
        return self

    def _roots(self):
        """(key, overlay lowerdir) of every node to start; the key goes to ``_start_node``."""
        return [(suite, build_root(suite)) for suite in self.suites]

    def _start_node(self, suite, lower, pubkey):
        name = SUITES[suite][0]
        merged, base = self._mount_node(name, lower, pubkey)
        return self._launch(Node(suite, name, merged, None, read_node_info(merged)), base)

    def _mount_node(self, name, lower, pubkey):
        """A fresh overlay over ``lower`` (one directory or several, colon-separated, uppermost first) at
        <rundir>/<name>/root with /proc, /sys, /dev bound in and ``pubkey`` authorised for USER; returns
        (merged root, the node's run directory)."""
        base = os.path.join(self.rundir, name)
        upper, work, merged = (os.path.join(base, d) for d in ('upper', 'work', 'root'))
        for d in (upper, work, merged):
            os.makedirs(d)
        run(['mount', '-t', 'overlay', 'overlay', '-o',
             'lowerdir=%s,upperdir=%s,workdir=%s' % (lower, upper, work), merged])
        mount_system_dirs(merged)
        home = os.path.join(merged, 'home', USER)
        sshdir = os.path.join(home, '.ssh')
        os.makedirs(sshdir)
        with open(os.path.join(sshdir, 'authorized_keys'), 'w') as f:
            f.write(pubkey)
        uid_gid = chroot(merged, 'id', '-u', USER).strip(), chroot(merged, 'id', '-g', USER).strip()
        for path in (sshdir, os.path.join(sshdir, 'authorized_keys')):
            os.chown(path, int(uid_gid[0]), int(uid_gid[1]))
        os.chmod(sshdir, 0o700)
        if not os.path.isdir(os.path.join(merged, 'run/sshd')):
            os.makedirs(os.path.join(merged, 'run/sshd'))
        # The apt lists were taken when the root was built: mark them as the latest refresh, so the
        # role's update_cache/cache_valid_time sees a fresh cache and the run stays off the network.
        stamp = os.path.join(merged, 'var/lib/apt/periodic/update-success-stamp')
        if not os.path.isdir(os.path.dirname(stamp)):
            os.makedirs(os.path.dirname(stamp))
        with open(stamp, 'w'):
            pass
        return merged, base

    def _launch(self, node, base):
        """Start sshd in ``node.root`` on a free loopback port and wait until it answers."""
        node.port = free_port()
        node.proc = subprocess.Popen(
            ['chroot', node.root, '/usr/sbin/sshd', '-D', '-e', '-p', str(node.port),
             '-o', 'ListenAddress=127.0.0.1', '-o', 'PasswordAuthentication=no',
             '-o', 'KbdInteractiveAuthentication=no', '-o', 'UsePAM=no', '-o', 'PermitRootLogin=no'],
            stdout=open(os.path.join(base, 'sshd.log'), 'w'), stderr=subprocess.STDOUT,
            start_new_session=True)
        self.nodes.append(node)
        wait_for_ssh(node.port, node.proc)
        return node

    def inventory_data(self):
        hosts = {}
        for n in self.nodes:
            hosts[n.name] = {
                'ansible_host': '127.0.0.1',
                'ansible_port': n.port,
                'ansible_user': USER,
                'ansible_ssh_private_key_file': self.key,
                'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
                'ansible_python_interpreter': '/usr/bin/python3',
                'pixie_test_suite': n.suite,
                'pixie_test_headers_release': n.headers_release,
            }
        return {'all': {'children': {
            'debian_nodes': {'hosts': hosts},
            'local': {'hosts': {'localhost': {
                'ansible_connection': 'local',
                'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            }}},
        }}}

    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        for n in self.nodes:
            n.kill_processes()
        if self.rundir:
            for pid in processes_rooted_in(self.rundir):   # anything else still running in a node's root
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            left = unmount_all(self.rundir)
            if left:
                log('still mounted, leaving %s in place: %s' % (self.rundir, ', '.join(left)))
            else:
                safe_rmtree(self.rundir)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def raise_exit(signum, _frame):
    """A SIGTERM handler that runs finally blocks and atexit handlers (SystemExit)."""
    raise SystemExit(128 + signum)


def main(argv):
    if len(argv) < 2 or argv[1] not in ('build', 'up'):
        sys.stderr.write(__doc__)
        return 2
    suites = argv[2:] or list(SUITES)
    why = missing_requirements()
    if why:
        sys.stderr.write(why + '\n')
        return 1
    signal.signal(signal.SIGTERM, raise_exit)
    started = time.time()
    if argv[1] == 'build':
        for suite in suites:
            build_root(suite)
        print('roots ready in %.1f s: %s' % (time.time() - started, ', '.join(root_path(s) for s in suites)))
        return 0
    with Nodes(suites) as nodes:
        print('nodes up in %.1f s' % nodes.setup_seconds)
        print('inventory: %s' % nodes.inventory)
        for n in nodes.nodes:
            print('%s: ssh -p %d -i %s %s@127.0.0.1 (headers release %s)' % (
                n.name, n.port, nodes.key, USER, n.headers_release))
        sys.stdout.flush()
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
