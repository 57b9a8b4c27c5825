# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one run of node_facts costs on a node, against one run of ping: the module process alone.

Builds the two AnsiballZ payloads exactly as Ansible sends them to a node (ansible localhost with
ANSIBLE_KEEP_REMOTE_FILES), node_facts with its egress probe against an HTTP/2 "cloud address" on
loopback, then runs each payload as the node would (python AnsiballZ_x.py), alternating, and prints
the median CPU (user + system) of each and their ratio. With --valgrind, it prints instead the
instructions each run executes (valgrind's cachegrind, one run each): the same on a quiet or a busy
machine, so it shows what a change to the node-side code buys where CPU seconds drift by a third.
It prints figures; it asserts nothing.

  .venv/bin/python benchmarks/module_cost.py --repeat 30
  .venv/bin/python benchmarks/module_cost.py --valgrind
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'system'))

import support_tls  # noqa: E402  pylint: disable=wrong-import-position


def payloads(tmp, module_args, python):
    """``{name: path}`` of the AnsiballZ payloads of ping and node_facts, built by Ansible."""
    collections = os.path.join(tmp, 'collections', 'ansible_collections', 'pixie_ops')
    os.makedirs(collections)
    os.symlink(ROOT, os.path.join(collections, 'preflight'))
    bin_dir = os.path.dirname(sys.executable)
    found = {}
    for name, module, args in (('ping', 'ansible.builtin.ping', None),
                               ('node_facts', 'pixie_ops.preflight.node_facts', module_args)):
        remote_tmp = os.path.join(tmp, 'remote-' + name)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(tmp, 'collections'),
                   ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=remote_tmp)
        command = [os.path.join(bin_dir, 'ansible'), 'localhost', '-c', 'local', '-m', module,
                   '-e', 'ansible_python_interpreter=%s' % python]
        subprocess.run(command + (['-a', args] if args else []), env=env, cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found[name] = glob.glob(os.path.join(remote_tmp, '*', 'AnsiballZ_*.py'))[0]
    return found


def cpu_ms(python, path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([python, path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000 * (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def instructions(python, path):
    done = subprocess.run(['valgrind', '--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null',
                           python, path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          universal_newlines=True)
    return int(re.search(r'I\s+refs:\s+([\d,]+)', done.stderr).group(1).replace(',', ''))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeat', type=int, default=30, help='runs of each payload, alternating (default 30)')
    parser.add_argument('--valgrind', action='store_true', help='count instructions (one run each) instead')
    args = parser.parse_args()
    # The interpreter itself, not a wrapper (valgrind would count the wrapper).
    python = os.path.realpath(sys.executable)
    with tempfile.TemporaryDirectory(prefix='pixie-module-cost-') as tmp, \
            support_tls.cloud_server(tmp) as (cloud_host, cloud_port, ca_path):
        module_args = 'egress={"host":"%s","port":%d,"ca_path":"%s"}' % (cloud_host, cloud_port, ca_path)
        found = payloads(tmp, module_args, python)
        sizes = dict((name, os.path.getsize(path)) for name, path in found.items())
        # What is measured must be a whole check, egress probe included.
        result = json.loads(subprocess.run([python, found['node_facts']], check=True, stdout=subprocess.PIPE).stdout)
        egress = result['ansible_facts']['pixie_node']['checks']['egress']
        if egress['status'] != 'pass':
            raise SystemExit('the egress probe did not pass: %s' % egress['msg'])
        print('payloads: ping %d bytes, node_facts %d bytes; python %s' % (sizes['ping'], sizes['node_facts'], python))
        if args.valgrind:
            counts = dict((name, instructions(python, path)) for name, path in found.items())
            print('instructions: ping %.3f G, node_facts %.3f G, node_facts / ping = %.3f'
                  % (counts['ping'] / 1e9, counts['node_facts'] / 1e9, counts['node_facts'] / counts['ping']))
            return 0
        runs = dict((name, []) for name in found)
        ratios = []
        for dummy in range(args.repeat):
            for name, path in sorted(found.items(), reverse=True):
                runs[name].append(cpu_ms(python, path))
            ratios.append(runs['node_facts'][-1] / runs['ping'][-1])
        print('CPU per run (median of %d): ping %.0f ms, node_facts %.0f ms; node_facts / ping = %.2f '
              '(median of the pairs; their quartiles %.2f-%.2f)'
              % (args.repeat, statistics.median(runs['ping']), statistics.median(runs['node_facts']),
                 statistics.median(ratios), *statistics.quantiles(ratios, n=4)[::2]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
