# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest glue over the Debian test-node harness (tests/hosts/debian_nodes.py).

Use the session fixture in a test module::

    from support_hosts import debian_nodes  # noqa: F401  (the fixture)

    def test_something(debian_nodes):
        debian_nodes.inventory        # path of an inventory: debian11, debian12 (group debian_nodes) and localhost
        debian_nodes.hosts            # ['debian11', 'debian12']
        debian_nodes.ports            # {'debian11': 40123, ...}: sshd of each node on 127.0.0.1
        debian_nodes.node('debian12').headers_release   # a kernel release whose headers the node's apt lists carry
        debian_nodes.node('debian12').package_installed('linux-headers-...')

or ``with start_debian_nodes() as nodes:`` for nodes of your own (every start is a fresh copy of the cached
roots, so what one test installs is gone for the next). The tests are skipped, with the reason, where the
harness cannot run (not root, no debootstrap); building a missing root needs Debian's mirror.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import json
import os
import re
import signal
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'hosts'))

import debian_nodes as harness  # noqa: E402  pylint: disable=wrong-import-position

RECAP_RE = re.compile(r'^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)'
                      r'\s+failed=(?P<failed>\d+)', re.M)
ONELINE_RE = re.compile(r'^(?P<host>\S+) \| (?P<status>[A-Z]+)(?: \| rc=\d+)? => (?P<json>\{.*\})\s*$', re.M)


@contextlib.contextmanager
def start_debian_nodes(suites=('bullseye', 'bookworm')):
    """Start fresh test nodes; skip the calling test when the harness cannot run here."""
    why = harness.missing_requirements()
    if why:
        pytest.skip(why)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        # A terminated test run still unmounts (SIGTERM becomes SystemExit, so finally blocks run).
        signal.signal(signal.SIGTERM, harness.raise_exit)
    nodes = harness.Nodes(suites)
    try:
        nodes.start()
        print('debian test nodes up in %.1f s (%s)' % (nodes.setup_seconds, ', '.join(
            '%s:%d' % (n.name, n.port) for n in nodes.nodes)))
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture(scope='session')
def debian_nodes():
    """Debian 11 and 12 nodes reachable over SSH on loopback, with an inventory (see the module docstring)."""
    with start_debian_nodes() as nodes:
        yield nodes


def run_playbook(bin_dir, env, inventory, playbook, *args):
    """Run ansible-playbook; return (CompletedProcess, {host: recap counts})."""
    proc = subprocess.run([os.path.join(bin_dir, 'ansible-playbook'), '-i', inventory, playbook] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env, check=False)
    print(proc.stdout)
    return proc, recap(proc.stdout)


def recap(output):
    """The PLAY RECAP counts of an ansible-playbook output, by host."""
    return dict((m.group('host'), dict((k, int(m.group(k))) for k in ('ok', 'changed', 'unreachable', 'failed')))
                for m in RECAP_RE.finditer(output))


def run_module(bin_dir, env, inventory, pattern, module, args=''):
    """Run one module ad hoc (one-line output); return {host: (status, result dict)}."""
    proc = subprocess.run([os.path.join(bin_dir, 'ansible'), '-o', '-i', inventory, pattern, '-m', module,
                           '-a', args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=env, check=False)
    print(proc.stdout)
    return dict((m.group('host'), (m.group('status'), json.loads(m.group('json'))))
                for m in ONELINE_RE.finditer(proc.stdout))
