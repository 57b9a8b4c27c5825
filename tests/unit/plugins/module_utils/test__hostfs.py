# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile host-root trees: a node file read only when it is a regular file, never blocking, with a
size cap; what cannot be read is said, never taken for "nothing there".

Every case runs under a deadline (a FIFO opened without O_NONBLOCK would block forever).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import gzip
import os
import socket
import threading

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _hostfs as hostfs
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kernel as kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node

# Far more than any case needs, even on a loaded machine; a blocked open never returns at all.
DEADLINE = 30


def within_deadline(call, *args, **kwargs):
    """``call(*args)`` in a thread; fail (instead of hanging the suite) when it blocks."""
    box = {}

    def run():
        box['result'] = call(*args, **kwargs)

    worker = threading.Thread(target=run)
    worker.daemon = True
    worker.start()
    worker.join(DEADLINE)
    assert not worker.is_alive(), '%s blocked for %ds' % (getattr(call, '__name__', call), DEADLINE)
    return box['result']


def _write(root, path, data=b''):
    full = os.path.join(str(root), path.lstrip('/'))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, 'wb') as handle:
        handle.write(data)
    return full


def _make(root, path, kind):
    full = os.path.join(str(root), path.lstrip('/'))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    if kind == 'fifo':
        os.mkfifo(full)
    elif kind == 'socket':
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(full)
        sock.close()
    elif kind == 'directory':
        os.makedirs(full)
    return full


HOSTILE = ['fifo', 'socket', 'directory']


@pytest.mark.parametrize('kind', HOSTILE)
def test_a_node_file_that_is_not_regular_is_refused_unopened(tmp_path, kind):
    _make(tmp_path, '/proc/meminfo', kind)
    data, problem = within_deadline(hostfs.read_file, str(tmp_path), '/proc/meminfo')
    assert data is None
    assert problem.startswith('cannot read /proc/meminfo: not a regular file but a'), problem


def test_a_link_to_a_fifo_is_refused(tmp_path):
    _make(tmp_path, '/run/fifo', 'fifo')
    os.makedirs(str(tmp_path / 'proc'))
    os.symlink('/run/fifo', str(tmp_path / 'proc' / 'meminfo'))
    data, problem = within_deadline(hostfs.read_file, str(tmp_path), '/proc/meminfo')
    assert data is None and 'a FIFO' in problem


def test_a_device_on_the_live_root_is_refused():
    # host_root / reads the machine's own files: /dev/zero would never end.
    data, problem = within_deadline(hostfs.read_file, '/', '/dev/zero')
    assert data is None and 'a character device' in problem


def test_a_fifo_swapped_in_after_the_look_is_refused(tmp_path, monkeypatch):
    """The race: the path is a regular file when looked at, a FIFO when opened (O_NONBLOCK, then fstat)."""
    path = _make(tmp_path, '/proc/meminfo', 'fifo')
    real_stat = os.stat
    calls = []

    def regular_first(target, *args, **kwargs):
        calls.append(target)
        if len(calls) == 1:
            return real_stat(__file__)
        return real_stat(target, *args, **kwargs)

    monkeypatch.setattr(hostfs.os, 'stat', regular_first)
    handle, problem = within_deadline(hostfs.open_regular, path)
    assert handle is None and problem == 'not a regular file but a FIFO'


def test_size_cap(tmp_path):
    _write(tmp_path, '/proc/meminfo', b'MemTotal: 1 kB\n' + b' ' * hostfs.DEFAULT_LIMIT)
    data, problem = hostfs.read_file(str(tmp_path), '/proc/meminfo')
    assert data is None and 'larger than %d bytes' % hostfs.DEFAULT_LIMIT in problem
    first, problem = hostfs.read_file(str(tmp_path), '/proc/meminfo', 4096, whole=False)
    assert problem is None and len(first) == 4096 and first.startswith(b'MemTotal')


def test_missing_is_not_a_problem_and_unreadable_is(tmp_path, monkeypatch):
    assert hostfs.read_file(str(tmp_path), '/proc/meminfo') == (None, None)
    assert hostfs.read_file(str(tmp_path), '/no/such/dir/file') == (None, None)
    _write(tmp_path, '/proc/meminfo', b'MemTotal: 1 kB\n')

    def denied(*args, **kwargs):
        raise OSError(errno.EACCES, 'Permission denied')

    monkeypatch.setattr(hostfs.os, 'open', denied)
    assert hostfs.read_file(str(tmp_path), '/proc/meminfo') == (None, 'cannot read /proc/meminfo: Permission denied')


def test_an_unreadable_directory_on_the_way_is_a_problem(tmp_path, monkeypatch):
    """Under another root the links are resolved first: EACCES there is a problem, not a missing file."""
    _write(tmp_path, '/sys/kernel/security/lockdown', b'[none] integrity confidentiality\n')
    real_readlink = os.readlink

    def denied(path, *args, **kwargs):
        if path.endswith('security/lockdown'):
            raise OSError(errno.EACCES, 'Permission denied')
        return real_readlink(path, *args, **kwargs)

    monkeypatch.setattr(hostfs.os, 'readlink', denied)
    data, problem = hostfs.read_file(str(tmp_path), '/sys/kernel/security/lockdown')
    assert data is None and 'Permission denied' in problem


@pytest.mark.parametrize('path', ['/proc/mem\x00info', '/etc/os-release\x00'])
def test_nul_bytes_in_paths(tmp_path, path):
    data, problem = hostfs.read_file(str(tmp_path), path)
    assert data is None and 'NUL' in problem
    assert hostfs.host_path(str(tmp_path), path) is None
    assert hostfs.read_file('/', path)[0] is None


def test_kernel_config_fifo_and_gzip_bomb(tmp_path, monkeypatch):
    _make(tmp_path, '/boot/config-6.1.0', 'fifo')
    assert within_deadline(kernel.find_kernel_config, str(tmp_path), '6.1.0', False) == (None, None)
    monkeypatch.setattr(kernel, 'MAX_CONFIG_BYTES', 1024 * 1024)   # the cap, made small to keep the test quick
    bomb = gzip.compress(b'\n' * (kernel.MAX_CONFIG_BYTES + 1))
    _write(tmp_path, '/proc/config.gz', bomb)
    _write(tmp_path, '/lib/modules/6.1.0/config', b'CONFIG_BPF=y\n')
    # The bomb is refused at the cap; the next candidate wins.
    assert within_deadline(kernel.find_kernel_config, str(tmp_path), '6.1.0', True) == (
        '/lib/modules/6.1.0/config', 'CONFIG_BPF=y\n')


def _tree(root):
    _write(root, '/proc/sys/kernel/osrelease', b'6.1.0-28-amd64\n')
    _write(root, '/proc/sys/kernel/ostype', b'Linux\n')
    _write(root, '/proc/sys/kernel/arch', b'x86_64\n')
    _write(root, '/etc/os-release', b'ID=debian\nVERSION_ID="12"\n')


@pytest.mark.parametrize('kind', HOSTILE)
def test_node_facts_over_hostile_files_finish_and_say_unknown(tmp_path, kind):
    _tree(tmp_path)
    for path in ('/proc/meminfo', '/sys/kernel/security/lockdown', '/proc/1/environ', '/proc/1/cgroup',
                 '/run/systemd/container', '/boot/config-6.1.0-28-amd64', '/proc/config.gz'):
        _make(tmp_path, path, kind)
    facts = within_deadline(node.node_facts, str(tmp_path))
    checks = facts['checks']
    assert checks['memory']['status'] == 'unknown'
    assert 'cannot read /proc/meminfo: not a regular file' in checks['memory']['msg']
    assert checks['lockdown']['status'] == 'unknown'
    assert 'not a regular file' in checks['lockdown']['msg']
    assert checks['container']['status'] == 'unknown'
    assert checks['kernel_config']['status'] == 'unknown'
    assert '_problems' not in facts


def test_unreadable_lockdown_and_environ_are_unknown_not_pass(tmp_path, monkeypatch):
    """Without root: lockdown behind a 0700 directory, pid 1's environment unreadable."""
    _tree(tmp_path)
    _write(tmp_path, '/proc/meminfo', b'MemTotal: 8000000 kB\n')
    _write(tmp_path, '/sys/kernel/security/lockdown', b'none integrity [confidentiality]\n')
    _write(tmp_path, '/proc/1/environ', b'container=lxc\x00')
    real_open = os.open

    def denied(path, *args, **kwargs):
        if path.endswith(('lockdown', 'environ')):
            raise OSError(errno.EACCES, 'Permission denied')
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(hostfs.os, 'open', denied)
    checks = node.node_facts(str(tmp_path))['checks']
    assert checks['lockdown']['status'] == 'unknown'
    assert checks['lockdown']['msg'] == ('cannot tell the kernel lockdown mode: cannot read '
                                         '/sys/kernel/security/lockdown: Permission denied')
    assert checks['container']['status'] == 'unknown'
    assert 'cannot read /proc/1/environ: Permission denied' in checks['container']['msg']
    assert checks['memory']['status'] == 'pass'
