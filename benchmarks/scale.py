# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the preflight costs across N hosts, against `ansible -m ping` and `ansible -m setup`.

Builds an inventory of N hosts that all use the local connection (each one a real module run
through AnsiballZ, as on a remote node, minus the network), starts an HTTP/2 "cloud address" on
loopback (the egress probe does a real TLS and HTTP/2 exchange with it), then times, in the same
run and on the same hosts, in this order:
  ansible all -m ansible.builtin.ping
  ansible-playbook playbooks/preflight.yml        (node play with egress, and the report; no cluster)
  ansible all -m pixie_ops.preflight.node_facts  (the node checks alone)
  ansible all -m ansible.builtin.setup           (what a kubespray-style preflight pays first)
and prints the median wall time of each, the cost per host and the ratios to ping (the median of the
ratios within each round, and their range: the commands run round-robin, so a machine that slows
down for a while slows a whole round), and the same for the CPU seconds each command used (its own and its
children's: the controller, the forked workers and the module runs), which a busy machine disturbs
much less than wall time. Then, for one more run of the preflight, the seconds each of its tasks
took (where the time per host goes).
It prints figures; it asserts nothing.

  .venv/bin/python benchmarks/scale.py --hosts 20,100,300 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'system'))

import support_tls  # noqa: E402  pylint: disable=wrong-import-position


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
        handle.write('\n[local]\nlocalhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    return os.path.join(tmp, 'collections'), inventory


def _cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, env, cwd, expect=(0,)):
    """(wall seconds, CPU seconds) of one run of ``command``."""
    start, cpu_start = time.perf_counter(), _cpu_of_children()
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    elapsed, cpu = time.perf_counter() - start, _cpu_of_children() - cpu_start
    if done.returncode not in expect:
        raise SystemExit('%s failed (%d): %s' % (' '.join(command), done.returncode, done.stderr.decode()[-2000:]))
    return elapsed, cpu


def task_seconds(command, env, cwd):
    """The preflight once more, with benchmarks/callback_plugins/task_seconds.py: one line per task."""
    env = dict(env, ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, 'benchmarks', 'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='task_seconds')
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          universal_newlines=True, check=False)
    return [line.split(' ', 1)[1].strip() for line in done.stdout.splitlines() if line.startswith('TASK-SECONDS ')]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--hosts', default='20,100,300', help='comma-separated host counts (default 20,100,300)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='round-robin rounds (every command once each); medians are shown')
    parser.add_argument('--forks', type=int, default=50, help='forks for every command (default 50)')
    parser.add_argument('--setup-rounds', type=int, default=None,
                        help='run ansible -m setup in only the first N rounds (default: every round); it is the '
                             'slowest command and only needs to show that the preflight costs well under it')
    args = parser.parse_args()
    bin_dir = os.path.dirname(sys.executable)

    print('ansible-core from %s, %d CPUs, forks %d, median of %d round-robin rounds%s'
          % (bin_dir, os.cpu_count() or 0, args.forks, args.repeat,
             '' if args.setup_rounds is None else ' (setup in the first %d)' % max(1, args.setup_rounds)))
    print('%6s %-24s %9s %12s %9s %9s %9s   %s' % ('hosts', 'command', 'median s', 'ms per host', 'vs ping', 'CPU s',
                                                   'CPU vs ping', 'range of the rounds (wall)'))
    with tempfile.TemporaryDirectory(prefix='pixie-bench-') as tmp, \
            support_tls.cloud_server(tmp) as (cloud_host, cloud_port, ca_path):
        first = True
        for hosts in [int(item) for item in args.hosts.split(',')]:
            work = os.path.join(tmp, 'n%d' % hosts)
            os.makedirs(work)
            collections, inventory = make_workspace(work, hosts)
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_HOST_KEY_CHECKING='False',
                       ANSIBLE_GATHERING='explicit', ANSIBLE_FORKS=str(args.forks))
            env.pop('PYTHONPATH', None)
            adhoc = [os.path.join(bin_dir, 'ansible'), 'nodes', '-i', inventory]
            preflight = [os.path.join(bin_dir, 'ansible-playbook'), '-i', inventory,
                         os.path.join(ROOT, 'playbooks', 'preflight.yml'), '--limit', 'nodes',
                         '-e', 'pixie_preflight_cluster_enabled=false',
                         '-e', 'pixie_preflight_cloud_host=%s' % cloud_host,
                         '-e', 'pixie_preflight_cloud_port=%d' % cloud_port,
                         '-e', 'pixie_preflight_egress_ca_path=%s' % ca_path]
            # The preflight right after ping in each round: the ratio that matters most is taken between
            # the two runs closest in time.
            commands = [
                ('ansible -m ping', adhoc + ['-m', 'ansible.builtin.ping'], (0,)),
                # This machine fails some node checks (it is a container), so the play exits 2.
                ('preflight.yml', preflight, (0, 2)),
                ('ansible -m node_facts', adhoc + ['-m', 'pixie_ops.preflight.node_facts'], (0,)),
                ('ansible -m setup', adhoc + ['-m', 'ansible.builtin.setup'], (0,)),
            ]
            if first:
                for name, command, expect in commands:
                    timed(command, env, work, expect)      # warm-up, once: byte-compile, page cache
                first = False
            # Round-robin (each round runs every command once), and each ratio is taken within a round:
            # a shared machine that slows down for minutes then slows every command of the round alike.
            setup_rounds = args.repeat if args.setup_rounds is None else max(1, args.setup_rounds)
            rounds = [dict((name, timed(command, env, work, expect)) for name, command, expect in commands
                           if name != 'ansible -m setup' or index < setup_rounds)
                      for index in range(args.repeat)]
            medians = {}
            for name, dummy, dummy in commands:
                ran = [run for run in rounds if name in run]
                median = medians[name] = statistics.median(run[name][0] for run in ran)
                cpu = statistics.median(run[name][1] for run in ran)
                ratios = [run[name][0] / run['ansible -m ping'][0] for run in ran]
                cpu_ratio = statistics.median(run[name][1] / run['ansible -m ping'][1] for run in ran)
                figures = (hosts, name, median, 1000 * median / hosts, statistics.median(ratios), cpu, cpu_ratio,
                           min(ratios), max(ratios))
                print('%6d %-24s %9.2f %12.1f %8.2fx %9.2f %10.2fx   %.2f-%.2fx' % figures)
            print('%6d preflight.yml / setup = %.2f' % (hosts, medians['preflight.yml'] / medians['ansible -m setup']))
            print('%6d preflight.yml, seconds per task (one more run):' % hosts)
            for line in task_seconds(preflight, env, work):
                print('         %s' % line)
            sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
