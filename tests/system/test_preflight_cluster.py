# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/preflight_cluster.yml end to end with nothing but a kubeconfig: the real ansible-playbook, the real
kubectl, the real kubernetes.core.kubectl connection plugin, the real AnsiballZ payload and the real modules,
against a loopback API that keeps state (support_kube_state.py).

The cluster is the recorded AKS NodeList with a Windows pool (tests/fixtures/k8s/aks_windows, see its SOURCE.md;
a Ready condition added to each node, since the recording trimmed conditions). ``kubectl exec`` goes to a wrapper
(support_pod_exec.py) that runs the command in the cached bookworm root playing the pod, with the node's tree
(tests/fixtures/nodes: ubuntu-22.04 is the good node, centos-7 the one with a 3.10 kernel) read-only at /host.
Every other kubectl call is the real kubectl against the loopback API. The cloud address is a loopback HTTP/2
server with a throwaway CA whose certificate is in the pods' image layer.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import support_hosts
import support_k8s
import support_kube_state as ks
import support_pod_exec as pe
import support_report
import support_tls

harness = support_hosts.harness
GOOD, OLD, PULL, NOCPU = ('aks-default-xxxxxxxx-vmss000000', 'aks-ll-xxxxxxxx-vmss000000',
                          'aks-lm-xxxxxxxx-vmss000000', 'aks-mon-xxxxxxxx-vmss000000')
WINDOWS = 'akswm000000'
TREES = {GOOD: 'ubuntu-22.04', OLD: 'centos-7', PULL: 'ubuntu-22.04', NOCPU: 'ubuntu-22.04'}
NODE_FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures', 'nodes')
POD_CA = '/etc/pixie-test/cloud-ca.pem'
START_TIMEOUT = 8


def cluster_nodes(names=None):
    """The recorded NodeList (or the named nodes of it), each Ready, with nodeInfo saying what its tree says."""
    nodes = ks.load_nodes('aks_windows')
    items = []
    for node in nodes['items']:
        name = node['metadata']['name']
        if names is not None and name not in names:
            continue
        node['status']['conditions'] = [{'type': 'Ready', 'status': 'True', 'reason': 'KubeletReady',
                                         'message': 'kubelet is posting ready status'}]
        if name in TREES:
            with open(os.path.join(NODE_FIXTURES, TREES[name], 'expected.json')) as handle:
                expected = json.load(handle)
            node['status']['nodeInfo']['kernelVersion'] = expected['kernel_release']
        items.append(node)
    nodes['items'] = items
    return nodes


class World(object):
    def __init__(self, workdir, bin_dir, real_kubectl, cloud):
        self.workdir, self.bin_dir, self.real_kubectl = workdir, bin_dir, real_kubectl
        self.last_calls = []
        dummy, self.cloud_port, self.ca_path = cloud

    def env(self, base):
        env = dict(base)
        env['PATH'] = self.bin_dir + os.pathsep + base['PATH']
        return env


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    why = harness.missing_requirements()
    if why:
        pytest.skip(why)
    real_kubectl = support_k8s.find_kubectl()
    if real_kubectl is None:
        pytest.skip('no kubectl: install kubernetes-client or set PIXIE_KUBECTL')
    workdir = str(tmp_path_factory.mktemp('cluster'))
    root = harness.build_root('bookworm')
    trees = dict((node, pe.node_tree(os.path.join(NODE_FIXTURES, tree), os.path.join(workdir, 'tree-' + node)))
                 for node, tree in TREES.items())
    try:
        with support_tls.cloud_server(workdir) as cloud:
            layer = pe.image_layer(workdir, cloud[2])
            bin_dir = pe.install(workdir, real_kubectl, trees, layer + ':' + root)
            yield World(workdir, bin_dir, real_kubectl, cloud)
    finally:
        pe.stop_pods(workdir, harness)


def need_kubernetes_core():
    """kubernetes.core (the connection plugin) comes from PyPI's ``ansible`` pinned in tests/requirements.txt; the
    tests skip only where that pin is absent (a branch before it), never where it is pinned and missing."""
    try:
        __import__('ansible_collections.kubernetes.core')
        return
    except ImportError:
        pass
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'requirements.txt')) as handle:
        pinned = any(line.startswith('ansible==') for line in handle)
    assert not pinned, 'kubernetes.core is not installed although tests/requirements.txt pins ansible: remake .venv'
    pytest.skip('kubernetes.core is not installed (tests/requirements.txt does not pin ansible)')


def kubectl(world, env, cluster, *args, **kwargs):
    """The test kubectl (the wrapper) against ``cluster``; returns the CompletedProcess."""
    return subprocess.run(['kubectl', '--kubeconfig', cluster.kubeconfig] + list(args), env=world.env(env),
                          capture_output=True, text=True, check=False, **kwargs)


def preflight_pod(name, node):
    return {'apiVersion': 'v1', 'kind': 'Pod',
            'metadata': {'name': name, 'labels': {'app.kubernetes.io/managed-by': 'pixie-preflight'}},
            'spec': {'nodeName': node, 'restartPolicy': 'Never', 'activeDeadlineSeconds': 600,
                     'containers': [{'name': 'preflight', 'image': 'docker.io/library/python:3.13-slim-bookworm',
                                     'env': [{'name': 'PIXIE_TEST', 'value': 'pod-env'}]}]}}


def wait_running(cluster, name, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        phases = [p['status']['phase'] for p in cluster.server.pods() if p['metadata']['name'] == name]
        if phases == ['Running']:
            return
        time.sleep(0.1)
    raise AssertionError('pod %s is not Running' % name)


# ---------------------------------------------------------------- the harness itself ----------------------

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
    the module reads the node's tree at /host, not the root it runs in."""
    need_kubernetes_core()
    with ks.state_cluster(cluster_nodes(), workdir=world.workdir) as cluster:
        ns = {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'adhoc'}}
        kubectl(world, ansible_env, cluster, 'create', '--raw', '/api/v1/namespaces', '-f', '-', input=json.dumps(ns))
        for name, node in (('good', GOOD), ('old', OLD)):
            kubectl(world, ansible_env, cluster, 'create', '--raw', '/api/v1/namespaces/adhoc/pods', '-f', '-',
                    input=json.dumps(preflight_pod(name, node)))
            wait_running(cluster, name)
        env = dict(world.env(ansible_env), ANSIBLE_STDOUT_CALLBACK='ansible.builtin.minimal')
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


# ---------------------------------------------------------------- the preflight, end to end ----------------------

def preflight_args(world, collection_root, cluster, report_dir, *extra):
    return [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
            os.path.join(collection_root, 'playbooks', 'preflight_cluster.yml'),
            '-e', 'pixie_preflight_kubeconfig=%s' % cluster.kubeconfig,
            '-e', 'pixie_preflight_report_dir=%s' % report_dir,
            '-e', 'pixie_preflight_cloud_host=127.0.0.1', '-e', 'pixie_preflight_cloud_port=%d' % world.cloud_port,
            '-e', 'pixie_preflight_egress_ca_path=%s' % POD_CA, '-e', 'pixie_preflight_egress_timeout=5',
            '-e', 'pixie_preflight_pods_start_timeout=%d' % START_TIMEOUT] + list(extra)


def preflight(world, env, collection_root, cluster, name, *extra):
    """Run playbooks/preflight_cluster.yml; returns (CompletedProcess, report or None, seconds)."""
    report_dir = os.path.join(world.workdir, 'report-' + name)
    before = len(pe.calls(world.workdir))
    started = time.time()
    proc = subprocess.run(preflight_args(world, collection_root, cluster, report_dir, *extra), env=world.env(env),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    seconds = time.time() - started
    world.last_calls = pe.calls(world.workdir)[before:]      # the kubectl calls of this run
    print(proc.stdout)
    print('%s: rc=%d in %.1f s' % (name, proc.returncode, seconds))
    report = None
    if os.path.exists(os.path.join(report_dir, 'preflight-report.json')):
        with open(os.path.join(report_dir, 'preflight-report.json')) as handle:
            report = json.load(handle)
    return proc, report, seconds


def assert_nothing_left(cluster):
    """No object labelled managed-by=pixie-preflight is left, nor any namespace but the cluster's own; and the
    loopback API understood every request the run made (a 400/405/415/500 would mean the harness, not the
    product, answered wrongly)."""
    bad = [a for a in cluster.server.answers if a[2] in (400, 405, 415, 500)]
    assert not bad, bad
    assert cluster.server.leftovers() == []
    names = [o['metadata']['name'] for o in cluster.server.snapshot()]
    assert sorted(names) == ['default', 'kube-public', 'kube-system'], names


def test_mixed_cluster_rows_exit_code_and_cleanup(world, ansible_env, collection_root):
    """One good node, one with a 3.10 kernel, one whose image never pulls, one rejected for CPU, one Windows node:
    a row per node named by its Kubernetes name, the failures saying why, exit code 2, nothing left behind, and
    the never-starting pod does not hold the play beyond its deadline."""
    need_kubernetes_core()
    with ks.state_cluster(cluster_nodes(), behaviour={PULL: 'image_pull', NOCPU: 'failed'},
                          workdir=world.workdir) as cluster:
        proc, report, seconds = preflight(world, ansible_env, collection_root, cluster, 'mixed')
        assert proc.returncode == 2, proc.stdout[-4000:]
        rows = support_report.table_rows(proc.stdout)
        assert {GOOD, OLD, PULL, NOCPU, WINDOWS} <= set(rows), rows
        assert_nothing_left(cluster)
        created = [name for kind, ns, name in cluster.server.created if kind == 'Pod']
        assert len(created) == 4 and not any('akswm' in name for name in created)   # no pod for Windows
        calls = [(m, p) for m, p, q in cluster.server.log]
        assert calls.count(('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')) >= 10  # rights first
        assert calls.index(('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')) < \
            calls.index(('POST', '/api/v1/namespaces'))
        assert ('DELETE', '/api/v1/namespaces/pixie-preflight') in calls
        execs = [c for c in world.last_calls if c.get('ran')]
        assert set(c['node'] for c in execs) == {GOOD, OLD}      # commands ran only in the pods that started
    hosts = report['hosts']
    assert hosts[GOOD]['node']['kernel_release'] == '5.15.0-25-generic'
    assert hosts[GOOD]['checks']['kernel_version']['status'] == 'pass'
    assert hosts[OLD]['node']['kernel_release'] == '3.10.0-1160.102.1.el7.x86_64'
    assert hosts[OLD]['checks']['kernel_version']['status'] == 'fail'
    assert hosts[GOOD]['node']['egress']['stage'] == 'ok'          # probed from the pod, to the loopback cloud
    pull = hosts[PULL]['checks']['node_pod']
    assert pull['status'] == 'fail' and ('ImagePullBackOff' in pull['msg'] or 'ErrImagePull' in pull['msg']), pull
    nocpu = hosts[NOCPU]['checks']['node_pod']
    assert nocpu['status'] == 'fail' and 'OutOfcpu' in nocpu['msg'] and "enough resource: cpu" in nocpu['msg'], nocpu
    assert hosts[WINDOWS]['checks']['node_pod']['status'] == 'skipped'
    assert report['summary']['status'] == 'fail'
    assert_wait_had_a_deadline(world)


def assert_wait_had_a_deadline(world):
    """The wait for the pods (first pod created -> first command in a pod) lasted the start deadline, since one pod
    never starts, and not much longer: the never-starting pod did not hold the play."""
    log = world.last_calls
    created = [c['at'] for c in log if 'create' in c['argv'] and any(a.endswith('/pods') for a in c['argv'])]
    ran = [c['at'] for c in log if c.get('ran')]
    waited = min(ran) - max(created)
    print('waited %.1f s for the pods (start timeout %d s)' % (waited, START_TIMEOUT))
    assert START_TIMEOUT - 1 <= waited <= START_TIMEOUT + 30, waited


def test_a_denied_right_is_named_once_and_nothing_is_created(world, ansible_env, collection_root):
    need_kubernetes_core()
    with ks.state_cluster(cluster_nodes(), deny={'create pods/exec': ''}, workdir=world.workdir) as cluster:
        proc, dummy, dummy = preflight(world, ansible_env, collection_root, cluster, 'denied')
        assert proc.returncode != 0
        assert proc.stdout.count('create pods/exec in namespace pixie-preflight') >= 1, proc.stdout[-3000:]
        assert 'lack rights' in proc.stdout
        assert cluster.server.created == []
        assert_nothing_left(cluster)
        assert not [p for m, p, q in cluster.server.log if m == 'POST' and not p.startswith('/apis/authorization')]


def test_pods_refused_by_admission_are_failed_rows_and_nothing_is_left(world, ansible_env, collection_root):
    need_kubernetes_core()
    with ks.state_cluster(cluster_nodes([GOOD, OLD]), behaviour={GOOD: 'forbidden', OLD: 'forbidden'},
                          workdir=world.workdir) as cluster:
        proc, report, dummy = preflight(world, ansible_env, collection_root, cluster, 'forbidden')
        assert proc.returncode == 2, proc.stdout[-4000:]
        assert_nothing_left(cluster)
    for host in (GOOD, OLD):
        check = report['hosts'][host]['checks']['node_pod']
        assert check['status'] == 'fail' and 'violates PodSecurity' in check['msg'], check


def test_an_interrupted_run_is_swept_by_the_next_which_passes(world, ansible_env, collection_root):
    """ansible-playbook killed (SIGKILL, its whole process group) while the node checks run in the pods: what it
    leaves carries the label and an activeDeadlineSeconds. The next run deletes that first, checks two good nodes,
    exits 0 and leaves nothing."""
    need_kubernetes_core()
    with ks.state_cluster(cluster_nodes([GOOD, PULL]), workdir=world.workdir) as cluster:
        before = len(pe.calls(world.workdir))
        proc = subprocess.Popen(preflight_args(world, collection_root, cluster, os.path.join(world.workdir, 'killed')),
                                env=world.env(ansible_env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            deadline = time.time() + 180
            while not [c for c in pe.calls(world.workdir)[before:] if c.get('ran')] and time.time() < deadline:
                assert proc.poll() is None, 'the run ended before any command ran in a pod'
                time.sleep(0.2)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        left = cluster.server.pods()
        assert len(left) == 2 and len(cluster.server.leftovers()) == 3       # the two pods and their namespace
        for pod in left:
            assert pod['metadata']['labels']['app.kubernetes.io/managed-by'] == 'pixie-preflight'
            assert 0 < pod['spec']['activeDeadlineSeconds'] <= 24 * 3600
        log_from = len(cluster.server.log)

        proc, report, dummy = preflight(world, ansible_env, collection_root, cluster, 'after-kill')
        assert proc.returncode == 0, proc.stdout[-4000:]
        assert_nothing_left(cluster)
        calls = [(m, p) for m, p, q in cluster.server.log[log_from:] if 'dryRun' not in q]   # not the admission checks
        deletes = [i for i, (m, p) in enumerate(calls) if m == 'DELETE' and '/pods/' in p]
        creates = [i for i, (m, p) in enumerate(calls) if m == 'POST' and p.endswith('/pods')]
        # the leftovers deleted before this run's two pods were created, then this run's own two
        assert len(creates) == 2 and len(deletes) == 4 and sum(1 for i in deletes if i < min(creates)) == 2, calls
    assert sorted(report['hosts']) == sorted([GOOD, PULL]) and report['summary']['failed'] is False
    for host in (GOOD, PULL):
        assert report['hosts'][host]['node']['distribution']['id'] == 'ubuntu'
        assert report['hosts'][host]['checks']['kernel_version']['status'] == 'pass'
