# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What pod mode's scaffolding costs across N nodes: node_pods state=present (rights, nodes, sweep,
namespace, one pod per node, the wait) and state=absent (the namespace and its pods, confirmed), with
the real kubectl against the stateful loopback API of the system tests (tests/system/support_kube_state.py;
its pods run RUNNING_DELAY after they are created). No node checks run: that is the role's cost, as over
SSH. It prints figures; it asserts nothing.

  .venv/bin/python benchmarks/node_pods.py --nodes 10,50,300
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'system'))

import support_kube_state as ks  # noqa: E402


def _import_run():
    try:
        from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_pods_run
    except ImportError:
        sys.exit('run it with the collection importable (PYTHONPATH as tests/run-tests.sh sets it, or '
                 'make collections and PYTHONPATH=.collections)')
    return _node_pods_run


def node_list(count):
    base = ks.load_nodes('aks_windows')
    linux = [node for node in base['items'] if node['metadata']['labels'].get('kubernetes.io/os') == 'linux'][0]
    items = []
    for index in range(count):
        node = copy.deepcopy(linux)
        node['metadata']['name'] = 'node-%04d' % index
        items.append(node)
    base['items'] = items
    return base


def measure(run, count, kubectl):
    with ks.state_cluster(node_list(count)) as cluster:
        params = dict((key, spec.get('default')) for key, spec in run.argument_spec().items())
        params.update(kubeconfig=cluster.kubeconfig, kubectl=kubectl, state='present', start_timeout=120)
        start = time.monotonic()
        result = run.node_pods(params, shutil.which, dict(os.environ))
        present = time.monotonic() - start
        running = sum(1 for node in result['nodes'] if node['running'])
        params['state'] = 'absent'
        start = time.monotonic()
        gone = run.node_pods(params, shutil.which, dict(os.environ))
        absent = time.monotonic() - start
        requests = len(cluster.server.log)
        return present, absent, running, len(gone['remaining']) + len(cluster.server.leftovers()), requests


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--nodes', default='10,50,300')
    args = parser.parse_args()
    run = _import_run()
    kubectl = os.environ.get('PIXIE_KUBECTL') or shutil.which('kubectl')
    print('nodes  present_s  per_node_ms  absent_s  running  left  api_requests  (kubectl processes at once: %d)'
          % run.PARALLEL)
    for count in [int(item) for item in args.nodes.split(',') if item.strip()]:
        present, absent, running, left, requests = measure(run, count, kubectl)
        row = (count, present, present * 1000 / count, absent, running, left, requests)
        print('%5d  %9.1f  %11.0f  %8.1f  %7d  %4d  %12d' % row)


if __name__ == '__main__':
    main()
