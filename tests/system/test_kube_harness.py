# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pod-mode test harness itself (support_pod_world.py): the loopback API answers the real kubectl as an API
server does; the test kubectl's exec runs in the root that plays the pod, with the node at /host; the real
kubernetes.core.kubectl connection plugin runs a real module there.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import subprocess

import support_hosts
import support_kube_state as ks
import support_pod_exec as pe
import support_pod_world
from support_pod_world import (GOOD, OLD, PULL, cluster_nodes, kubectl, need_kubernetes_core, preflight_pod,
                               wait_running)

world = support_pod_world.world     # the module fixture: cluster, pods, nodes, cloud address


def test_harness_exec_runs_in_the_pod_root_with_the_node_at_host(world, ansible_env):
    """The wrapper's exec runs inside the bookworm root with the node's tree read-only at /host; the other
    commands are the real kubectl against the state server; exec is refused as kubectl refuses it."""
    before = len(pe.calls(world.workdir))
    with ks.state_cluster(cluster_nodes(), behaviour={PULL: 'image_pull'}, workdir=world.workdir) as cluster:
        ns = {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'selftest'}}
        assert kubectl(world, ansible_env, cluster, 'create', '--raw', '/api/v1/namespaces', '-f', '-',
                       input=json.dumps(ns)).returncode == 0
        for name, node in (('good', GOOD), ('old', OLD), ('pull', PULL)):
            done = kubectl(world, ansible_env, cluster, 'create', '--raw', '/api/v1/namespaces/selftest/pods', '-f',
                           '-', input=json.dumps(preflight_pod(name, node)))
            assert done.returncode == 0, done.stderr
        wait_running(cluster, 'good')
        wait_running(cluster, 'old')

        def exec_in(pod, script, stdin=''):
            return kubectl(world, ansible_env, cluster, '-n', 'selftest', 'exec', '-i', pod, '-c', 'preflight', '--',
                           '/bin/sh', '-c', script, input=stdin)

        done = exec_in('good', 'cat /host/etc/os-release; cat /etc/debian_version; echo "$HOSTNAME $PIXIE_TEST"; '
                               'touch /host/written 2>/dev/null || echo host-read-only; exit 7')
        assert done.returncode == 7, done.stderr
        assert 'VERSION_ID="22.04"' in done.stdout and '\n12.' in done.stdout
        assert 'good pod-env' in done.stdout and 'host-read-only' in done.stdout
        assert not os.path.exists(os.path.join(world.workdir, 'tree-' + GOOD, 'written'))
        assert 'VERSION_ID="7"' in exec_in('old', 'cat /host/etc/os-release').stdout
        # put_file as the connection plugin does it (dd from stdin), then the next exec sees the file
        assert exec_in('good', 'dd of=/tmp/put bs=65536 && sleep 0', stdin='payload\n').returncode == 0
        assert exec_in('good', 'cat /tmp/put; /usr/local/bin/python3 -c "print(6 * 7)"').stdout == 'payload\n42\n'
        refused = exec_in('pull', 'true')
        assert refused.returncode == 1 and 'container not found ("preflight")' in refused.stderr
        refused = exec_in('gone', 'true')
        assert refused.returncode == 1 and 'pods "gone" not found' in refused.stderr
        log = pe.calls(world.workdir)[before:]
        assert any(c.get('real') and 'create' in c['argv'] for c in log)
        assert [c['node'] for c in log if c.get('ran')] == [GOOD, OLD, GOOD, GOOD]
        gets = [p for m, p, q in cluster.server.log if m == 'GET' and p == '/api/v1/namespaces/selftest/pods/good']
        assert len(gets) == 3            # each exec into it asked the API for the pod


def test_connection_plugin_runs_the_real_module_in_the_pod(world, ansible_env, bin_dir):
    """kubernetes.core.kubectl (the real plugin) sends node_facts' AnsiballZ payload through the wrapper's exec:
    the module reads the node's tree at /host, not the root it runs in. Without pipelining (the preflight runs
    with it, ansible.cfg), so the plugin's put_file (dd from stdin) and the pod's /tmp between execs are used."""
    need_kubernetes_core()
    with ks.state_cluster(cluster_nodes(), workdir=world.workdir) as cluster:
        ns = {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'adhoc'}}
        kubectl(world, ansible_env, cluster, 'create', '--raw', '/api/v1/namespaces', '-f', '-', input=json.dumps(ns))
        for name, node in (('good', GOOD), ('old', OLD)):
            kubectl(world, ansible_env, cluster, 'create', '--raw', '/api/v1/namespaces/adhoc/pods', '-f', '-',
                    input=json.dumps(preflight_pod(name, node)))
            wait_running(cluster, name)
        env = dict(world.env(ansible_env), ANSIBLE_STDOUT_CALLBACK='ansible.builtin.minimal', ANSIBLE_PIPELINING='False')
        done = subprocess.run(
            [os.path.join(bin_dir, 'ansible'), 'all', '-i', 'good,old,', '-c', 'kubernetes.core.kubectl',
             '-e', 'ansible_kubectl_namespace=adhoc', '-e', 'ansible_kubectl_container=preflight',
             '-e', 'ansible_kubectl_kubeconfig=%s' % cluster.kubeconfig,
             '-e', 'ansible_python_interpreter=/usr/local/bin/python3',
             '-o', '-m', 'pixie_ops.preflight.node_facts', '-a', 'host_root=/host'],
            env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        facts = dict((m.group('host'), json.loads(m.group('json'))['ansible_facts']['pixie_node'])
                     for m in support_hosts.ONELINE_RE.finditer(done.stdout))
        assert facts['good']['distribution']['id'] == 'ubuntu' and facts['good']['kernel_release'] == '5.15.0-25-generic'
        assert facts['old']['distribution']['id'] == 'centos' and facts['old']['checks']['kernel_version']['status'] == 'fail'
        ran = [c for c in pe.calls(world.workdir) if c.get('pod') in ('good', 'old') and c.get('namespace') == 'adhoc']
        assert ran and all(c['argv'][c['argv'].index('exec'):][:5] == ['exec', '-i', c['pod'], '-c', 'preflight']
                           for c in ran)
        assert any('dd of=' in c['ran'][-1] and 'AnsiballZ_node_facts.py' in c['ran'][-1] for c in ran)   # put_file


def test_the_loopback_api_answers_kubectl_as_an_api_server_does(world, ansible_env):
    """The typed commands a user runs (and the README's sweep by hand) against the state server, with the real
    kubectl: protobuf access reviews, server-side field validation of a create (kubectl -v=8 shows the request),
    a watch (kubectl wait), label selectors, and a namespace delete taking its pods."""
    with ks.state_cluster(cluster_nodes(), behaviour={PULL: 'image_pull'}, deny={'create pods/exec': ''},
                          workdir=world.workdir) as cluster:
        def run(*args, **kwargs):
            return kubectl(world, ansible_env, cluster, *args, **kwargs)

        assert run('auth', 'can-i', 'create', 'pods', '-n', 'pixie-preflight').stdout.strip() == 'yes'
        denied = run('auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'pixie-preflight')
        assert denied.returncode == 1 and denied.stdout.strip() == 'no'
        ns = {'apiVersion': 'v1', 'kind': 'Namespace',
              'metadata': {'name': 'pixie-preflight', 'labels': {'app.kubernetes.io/managed-by': 'pixie-preflight'}}}
        assert run('create', '-f', '-', input=json.dumps(ns)).returncode == 0
        done = run('-v=8', '-n', 'pixie-preflight', 'create', '-f', '-', input=json.dumps(preflight_pod('a', GOOD)))
        assert done.returncode == 0 and 'pod/a created' in done.stdout, done.stderr[-2000:]
        posted = [line for line in done.stderr.splitlines() if 'POST %s/api/v1/namespaces/pixie-preflight/pods?' % cluster.url
                  in line]
        assert posted and 'fieldValidation=Strict' in posted[0], done.stderr[-3000:]   # validated on the server
        assert run('-n', 'pixie-preflight', 'create', '-f', '-', input=json.dumps(preflight_pod('b', PULL))).returncode == 0
        again = run('-n', 'pixie-preflight', 'create', '-f', '-', input=json.dumps(preflight_pod('a', GOOD)))
        assert again.returncode == 1 and 'AlreadyExists' in again.stderr and '"a" already exists' in again.stderr
        waited = run('-n', 'pixie-preflight', 'wait', '--for=condition=Ready', 'pod', '-l',
                     'app.kubernetes.io/managed-by=pixie-preflight', '--timeout=4s')
        assert 'pod/a condition met' in waited.stdout and waited.returncode == 1 and 'pods/b' in waited.stderr
        assert any(q.startswith('watch=') or '&watch=' in q or 'watch=true' in q for m, p, q in cluster.server.log)
        listed = run('get', 'pods', '-A', '-l', 'app.kubernetes.io/managed-by=pixie-preflight', '-o', 'name')
        assert listed.stdout.split() == ['pod/a', 'pod/b']
        gone = run('delete', 'ns', '-l', 'app.kubernetes.io/managed-by=pixie-preflight')
        assert gone.returncode == 0 and 'namespace "pixie-preflight" deleted' in gone.stdout, gone.stderr
        assert cluster.server.leftovers() == [] and cluster.server.pods() == []
