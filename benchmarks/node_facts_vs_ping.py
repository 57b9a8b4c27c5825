# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How much node_facts costs across N hosts, against `ansible -m ping` and `ansible -m setup`.

Builds an inventory of N hosts that all use the local connection (each one a real module run
through AnsiballZ, as on a remote node, minus the network), then times, in the same run:
  ansible all -m ansible.builtin.ping
  ansible all -m ansible.builtin.setup
  ansible all -m pixie_ops.preflight.node_facts
and prints the median wall time of each, the cost per host, and the ratios to ping.
It prints figures; it asserts nothing.

  .venv/bin/python benchmarks/node_facts_vs_ping.py --hosts 20 --repeat 5
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_workspace(tmp, hosts):
    """A collections path that resolves pixie_ops.preflight to this checkout, and an inventory."""
    collections = os.path.join(tmp, 'collections', 'ansible_collections', 'pixie_ops')
    os.makedirs(collections)
    os.symlink(ROOT, os.path.join(collections, 'preflight'))
    inventory = os.path.join(tmp, 'inventory.ini')
    with open(inventory, 'w') as handle:
        handle.write('[nodes]\n')
        for index in range(hosts):
            handle.write('node-%03d\n' % (index + 1))
        handle.write('\n[nodes:vars]\nansible_connection=local\nansible_python_interpreter=%s\n' % sys.executable)
    return os.path.join(tmp, 'collections'), inventory


def timed(command, env, cwd):
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit('%s failed (%d): %s' % (' '.join(command), done.returncode, done.stderr.decode()[-2000:]))
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--hosts', default='20', help='comma-separated host counts (default 20)')
    parser.add_argument('--repeat', type=int, default=3, help='runs of each command; the median is shown')
    parser.add_argument('--forks', type=int, default=0, help='forks (default: the host count, at most 50)')
    args = parser.parse_args()
    bin_dir = os.path.dirname(sys.executable)

    print('ansible-core from %s, %d CPUs' % (bin_dir, os.cpu_count() or 0))
    print('%6s %-32s %9s %12s %9s' % ('hosts', 'command', 'median s', 'ms per host', 'vs ping'))
    for hosts in [int(item) for item in args.hosts.split(',')]:
        forks = args.forks or min(hosts, 50)
        with tempfile.TemporaryDirectory(prefix='pixie-bench-') as tmp:
            collections, inventory = make_workspace(tmp, hosts)
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_HOST_KEY_CHECKING='False',
                       ANSIBLE_GATHERING='explicit')
            env.pop('PYTHONPATH', None)
            base = [os.path.join(bin_dir, 'ansible'), 'all', '-i', inventory, '-f', str(forks)]
            commands = [
                ('ansible -m ping', base + ['-m', 'ansible.builtin.ping']),
                ('ansible -m setup', base + ['-m', 'ansible.builtin.setup']),
                ('ansible -m node_facts', base + ['-m', 'pixie_ops.preflight.node_facts']),
            ]
            medians = {}
            for name, command in commands:
                timed(command, env, tmp)          # warm-up: byte-compile, page cache
                medians[name] = statistics.median(timed(command, env, tmp) for dummy in range(args.repeat))
            for name, dummy in commands:
                median = medians[name]
                ratio = median / medians['ansible -m ping']
                print('%6d %-32s %9.2f %12.1f %8.2fx' % (hosts, name, median, 1000 * median / hosts, ratio))
    return 0


if __name__ == '__main__':
    sys.exit(main())
