# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/preflight_cluster.yml end to end with nothing but a kubeconfig: the real ansible-playbook, the real
kubectl, the real kubernetes.core.kubectl connection plugin, the real AnsiballZ payload and the real modules,
against a loopback API that keeps state. The world (cluster, nodes, pods, cloud address): support_pod_world.py.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import signal
import subprocess
import sys
import time

import support_kube_state as ks
import support_pod_exec as pe
import support_pod_world
import support_report
from support_pod_world import (GOOD, NOCPU, OLD, POD_CA, PULL, START_TIMEOUT, WINDOWS, cluster_nodes,
                               need_kubernetes_core)

world = support_pod_world.world     # the module fixture: cluster, pods, nodes, cloud address

# The cluster checks' admission dry runs (a dozen kubectl calls) are shown by the mixed run; the cleanup tests
# do without them.
NO_ADMISSION = ('-e', 'pixie_preflight_admission_enabled=false')


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
    """One good node, one with a 3.10 kernel whose pods cannot reach the cloud (the node can), one whose image never
    pulls, one rejected for CPU, one Windows node: a row per node named by its Kubernetes name, the failures saying
    why, egress from the pod network and from the node's, exit code 2, nothing left behind, and the never-starting
    pod does not hold the play beyond its deadline."""
    need_kubernetes_core()
    world.isolate([OLD])
    with ks.state_cluster(cluster_nodes(), behaviour={PULL: 'image_pull', NOCPU: 'failed'},
                          workdir=world.workdir) as cluster:
        try:
            proc, report, dummy = preflight(world, ansible_env, collection_root, cluster, 'mixed',
                                            '-e', 'pixie_preflight_pods_egress_host_network=true')
        finally:
            world.isolate([])
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
    assert hosts[GOOD]['checks']['egress_host_network']['status'] == 'pass'
    assert hosts[OLD]['checks']['egress']['status'] == 'fail'        # the pod network reaches nothing...
    assert 'its pods do not' in hosts[OLD]['checks']['egress']['remedy']     # ...and the remedy says so
    assert hosts[OLD]['checks']['egress_host_network']['status'] == 'pass', hosts[OLD]['checks']   # ...the node's does
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
        failed = [line for line in proc.stdout.splitlines() if line.startswith('fatal:')]
        assert len(failed) == 1 and 'create pods/exec in namespace pixie-preflight' in failed[0], proc.stdout[-3000:]
        assert 'lack rights' in proc.stdout
        assert cluster.server.created == []
        assert_nothing_left(cluster)
        assert not [p for m, p, q in cluster.server.log if m == 'POST' and not p.startswith('/apis/authorization')]


def test_pods_refused_by_admission_are_failed_rows_and_nothing_is_left(world, ansible_env, collection_root):
    need_kubernetes_core()
    with ks.state_cluster(cluster_nodes([GOOD, OLD]), behaviour={GOOD: 'forbidden', OLD: 'forbidden'},
                          workdir=world.workdir) as cluster:
        proc, report, dummy = preflight(world, ansible_env, collection_root, cluster, 'forbidden', *NO_ADMISSION)
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
        killed = os.path.join(world.workdir, 'killed')
        proc = subprocess.Popen(preflight_args(world, collection_root, cluster, killed, *NO_ADMISSION),
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

        proc, report, dummy = preflight(world, ansible_env, collection_root, cluster, 'after-kill', *NO_ADMISSION)
        assert proc.returncode == 0, proc.stdout[-4000:]
        assert_nothing_left(cluster)
        calls = [(m, p) for m, p, q in cluster.server.log[log_from:] if 'dryRun' not in q]   # not the admission checks
        deletes = [i for i, (m, p) in enumerate(calls) if m == 'DELETE' and '/pods/' in p]
        creates = [i for i, (m, p) in enumerate(calls) if m == 'POST' and p.endswith('/pods')]
        # the two leftovers deleted before this run's two pods were created; then this run's own removed
        assert len(creates) == 2 and len([i for i in deletes if i < min(creates)]) == 2, calls
        assert [i for i, c in enumerate(calls) if c == ('DELETE', '/api/v1/namespaces/pixie-preflight')
                or (c[0] == 'DELETE' and '/pods/' in c[1])][-1] > max(creates), calls
    assert sorted(report['hosts']) == sorted([GOOD, PULL]) and report['summary']['failed'] is False
    for host in (GOOD, PULL):
        assert report['hosts'][host]['node']['distribution']['id'] == 'ubuntu'
        assert report['hosts'][host]['checks']['kernel_version']['status'] == 'pass'
