# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The admission check end to end: ansible-playbook -> cluster_facts -> the real kubectl -> a loopback API
server that answers server-side dry runs with what each admission layer really returns
(tests/fixtures/k8s_admission/*/SOURCE.md): Pod Security baseline and restricted cluster-wide, a labelled
``pl`` that admits, Pod Security warnings, OpenShift without the SCC, Gatekeeper, Kyverno, a quota and a
LimitRange below the PEM's 2Gi, credentials that may not create pods, an API without dry run (a webhook
without dry-run support is in the unit tests only).

One playbook run asks every server (one loop item each); the report filters then show the checks can be
skipped by id. Every pod the module sent is checked against the Kubernetes OpenAPI schema of the pod.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import json
import os
import subprocess
import sys

from urllib.parse import parse_qs

import kubernetes_validate
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import support_k8s  # noqa: E402  (the helper next to this file)

SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'

# case -> (fixture directory, module options, admission status, namespace_quota status,
#          words in the admission message, words in its remedy)
CASES = {
    'psa_baseline_cluster_wide': (
        support_k8s.admission_fixture_dir('psa_baseline_cluster_wide'), {}, 'fail', 'pass',
        ['Pod Security "baseline:latest": non-default capabilities, host namespaces (hostNetwork=true, hostPID=true), '
         'hostPath volumes, privileged', 'cluster-wide default', 'namespace pl does not exist',
         'judged in namespace default'],
        ['kubectl create namespace pl && kubectl label namespace pl pod-security.kubernetes.io/enforce=privileged']),
    'psa_restricted_cluster_wide': (
        support_k8s.admission_fixture_dir('psa_restricted_cluster_wide'), {}, 'fail', 'pass',
        ['Pod Security "restricted:latest"', 'restricted volume types', 'cluster-wide default'],
        ['kubectl label namespace pl pod-security.kubernetes.io/enforce=privileged --overwrite']),
    'psa_labelled_pl': (
        support_k8s.admission_fixture_dir('psa_labelled_pl'), {}, 'pass', 'pass', ['in namespace pl'], None),
    'psa_warn': (
        support_k8s.admission_fixture_dir('psa_warn'), {}, 'warn', 'pass',
        ['with admission warnings: would violate PodSecurity "restricted:latest"'],
        ['pod-security.kubernetes.io/warn=privileged']),
    'openshift_no_scc': (
        support_k8s.admission_fixture_dir('openshift_no_scc'), {}, 'fail', 'pass',
        ['OpenShift security context constraints', 'host network, host PID, hostPath volumes, privileged containers',
         'SYS_ADMIN'],
        ['oc adm policy add-scc-to-user privileged -z default -n pl']),
    'gatekeeper': (
        support_k8s.admission_fixture_dir('gatekeeper'), {}, 'fail', 'pass',
        ['Gatekeeper (admission webhook validation.gatekeeper.sh)', 'psp-privileged-container: Privileged container '
         'is not allowed'],
        ['excludedNamespaces', 'psp-host-filesystem, psp-host-namespace, psp-privileged-container']),
    'kyverno': (
        support_k8s.admission_fixture_dir('kyverno'), {}, 'fail', 'pass',
        ['Kyverno (admission webhook validate.kyverno.svc-fail)', 'disallow-host-path: HostPath volumes are '
         'forbidden.'],
        ['PolicyException', 'disallow-privileged-containers']),
    'quota': (
        support_k8s.admission_fixture_dir('quota'), {}, 'pass', 'fail',
        ['every admission layer before ResourceQuota admits'], None),
    'limitrange': (
        support_k8s.admission_fixture_dir('limitrange'), {}, 'pass', 'fail',
        ['judged again without the memory limit'], None),
    'forbidden': (
        support_k8s.admission_fixture_dir('forbidden'), {}, 'unknown', 'pass',
        ['these credentials may not create pods', 'system:serviceaccount:ci:preflight'], None),
    'dry_run_disabled': (
        support_k8s.admission_fixture_dir('dry_run_disabled'), {}, 'unknown', 'pass',
        ['does not support server-side dry run (the dryRun beta feature is disabled)'], None),
    'no_admission_layers': (
        support_k8s.fixture_dir('eks'), {}, 'pass', 'pass',
        ['in a new namespace pl', 'judged in namespace default, which carries none either'], None),
    'other_namespace': (
        support_k8s.admission_fixture_dir('psa_labelled_pl'), {'namespace': 'observability', 'pem_memory_limit': '1Gi'},
        'fail', 'pass',
        ['namespace observability does not exist', 'Pod Security "baseline:latest"'],
        ['kubectl create namespace observability']),
}

PLAYBOOK = '''
- name: Ask every replayed cluster whether it admits Pixie
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Gather the cluster facts
      pixie_ops.preflight.cluster_facts:
        kubeconfig: "{{ item.kubeconfig }}"
        kubectl: "{{ kubectl_path }}"
        timeout: 5
        admission: "{{ item.admission | default(true) }}"
        namespace: "{{ item.namespace | default(omit) }}"
        pem_memory_limit: "{{ item.pem_memory_limit | default(omit) }}"
      loop: "{{ cases }}"
      loop_control:
        label: "{{ item.name }}"
      register: asked

    - name: Report one cluster with and without skipping the admission checks
      ansible.builtin.set_fact:
        reports:
          plain: "{{ {} | pixie_ops.preflight.preflight_report(asked.results[0]
                     | pixie_ops.preflight.preflight_cluster_record) }}"
          skipped: "{{ {} | pixie_ops.preflight.preflight_report(asked.results[0]
                       | pixie_ops.preflight.preflight_cluster_record, 'admission,namespace_quota') }}"

    - name: Save the results
      ansible.builtin.copy:
        content: "{{ {'results': asked.results, 'reports': reports} | to_json }}"
        dest: "{{ out }}"
        mode: '0600'
'''


class Run(object):
    pass


@pytest.fixture(scope='module')
def run(tmp_path_factory, ansible_env, bin_dir):
    kubectl = support_k8s.require_kubectl()
    work = tmp_path_factory.mktemp('admission')
    result = Run()
    result.servers = {}
    with contextlib.ExitStack() as stack:
        cases = []
        names = sorted(CASES, key=lambda n: (n != 'psa_baseline_cluster_wide', n))   # the reported one first
        for name in names:
            directory, options = CASES[name][:2]
            url, kubeconfig = stack.enter_context(support_k8s.replay_cluster(directory, workdir=str(work)))
            result.servers[name] = support_k8s.replay_cluster.last_server
            cases.append(dict(options, name=name, kubeconfig=kubeconfig))
        url, kubeconfig = stack.enter_context(support_k8s.replay_cluster(
            support_k8s.admission_fixture_dir('psa_baseline_cluster_wide'), workdir=str(work)))
        result.servers['admission_off'] = support_k8s.replay_cluster.last_server
        cases.append({'name': 'admission_off', 'kubeconfig': kubeconfig, 'admission': False})
        result.unreachable_url, kubeconfig = stack.enter_context(support_k8s.unreachable_cluster(workdir=str(work)))
        cases.append({'name': 'unreachable', 'kubeconfig': kubeconfig})

        out = work / 'results.json'
        (work / 'playbook.yml').write_text(PLAYBOOK)
        extra_vars = {'cases': cases, 'kubectl_path': kubectl, 'out': str(out),
                      'ansible_python_interpreter': sys.executable}
        (work / 'vars.json').write_text(json.dumps(extra_vars))
        proc = subprocess.run(
            [os.path.join(bin_dir, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
             '-e', '@' + str(work / 'vars.json'), str(work / 'playbook.yml')],
            cwd=str(work), env=ansible_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True, timeout=600, check=False)
    result.output = proc.stdout
    assert proc.returncode == 0, proc.stdout
    with open(str(out)) as handle:
        saved = json.load(handle)
    result.results = dict((item['item']['name'], item) for item in saved['results'])
    result.reports = saved['reports']
    return result


def facts(run, name):
    item = run.results[name]
    assert not item.get('failed'), item
    assert item['changed'] is False
    return item['ansible_facts']['pixie_cluster']


@pytest.mark.parametrize('case', sorted(CASES))
def test_admission_verdict_of_each_layer(run, case):
    dummy, dummy, admission, quota, words, remedy_words = CASES[case]
    pixie = facts(run, case)
    check = pixie['checks']['admission']
    assert check['status'] == admission, check
    assert pixie['checks']['namespace_quota']['status'] == quota, pixie['checks']['namespace_quota']
    for text in words:
        assert text in check['msg'], (text, check['msg'])
    for text in remedy_words or []:
        assert text in check['remedy'], (text, check['remedy'])
    if admission == 'fail':
        assert pixie['status'] == 'fail'


@pytest.mark.parametrize('case', sorted(CASES))
def test_only_dry_runs_and_every_pod_matches_the_openapi_schema(run, case):
    """Nothing but access reviews and ?dryRun=All creates reached the server, and each pod is a valid Pod."""
    server = run.servers[case]
    dry_runs = [(path, body) for path, query, body in server.posts if path != SSAR]
    assert dry_runs, server.requests
    for path, query, body in server.posts:
        assert path == SSAR or parse_qs(query).get('dryRun') == ['All'], (path, query)
    pods = [json.loads(body.decode()) for path, body in dry_runs if path.endswith('/pods')]
    assert pods
    for pod in pods:
        for version in ('1.25', kubernetes_validate.latest_version()):
            kubernetes_validate.validate(pod, version, strict=True)
        pem = pod['spec']['containers'][0]
        assert pem['securityContext']['privileged'] is True and pod['spec']['hostPID'] is True
    limit = CASES[case][1].get('pem_memory_limit', '2Gi')
    assert pods[0]['spec']['containers'][0]['resources']['limits']['memory'] == limit


def test_the_warning_header_reaches_the_check_word_for_word(run):
    with open(os.path.join(support_k8s.admission_fixture_dir('psa_warn'), 'admission.json')) as handle:
        sent = json.load(handle)['answers'][0]['warnings']
    assert facts(run, 'psa_warn')['admission']['warnings'] == sent


def test_a_missing_namespace_is_dry_run_and_judged_elsewhere(run):
    pixie = facts(run, 'psa_baseline_cluster_wide')
    assert pixie['admission']['namespace_exists'] is False and pixie['admission']['judged_in'] == 'default'
    posts = run.servers['psa_baseline_cluster_wide'].posts
    namespaces = [json.loads(body.decode()) for path, query, body in posts if path == '/api/v1/namespaces']
    assert namespaces == [{'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'pl'}}]
    assert ('POST', '/api/v1/namespaces/default/pods') in run.servers['psa_baseline_cluster_wide'].requests


def test_the_labelled_namespace_is_used_and_its_quota_read(run):
    requests = run.servers['psa_labelled_pl'].requests
    assert ('POST', '/api/v1/namespaces/pl/pods') in requests
    assert ('POST', '/api/v1/namespaces/default/pods') not in requests
    assert ('GET', '/api/v1/namespaces/pl/resourcequotas') in requests
    assert ('GET', '/api/v1/namespaces/pl/limitranges') in requests


def test_quota_and_limit_range_name_their_cap(run):
    quota = facts(run, 'quota')['checks']['namespace_quota']
    assert 'exceeded quota: pl-compute' in quota['msg'] and 'limited: limits.memory=1Gi' in quota['msg']
    assert 'Raise the quota' in quota['remedy']
    limit = facts(run, 'limitrange')['checks']['namespace_quota']
    assert 'maximum memory usage per Container is 1Gi, but limit is 2Gi' in limit['msg']
    pods = [path for method, path in run.servers['limitrange'].requests if method == 'POST' and path != SSAR]
    assert len(pods) == 2        # asked again without the memory limit


def test_admission_off_asks_nothing(run):
    pixie = facts(run, 'admission_off')
    assert 'admission' not in pixie['checks'] and 'namespace_quota' not in pixie['checks']
    assert [p for p, q, b in run.servers['admission_off'].posts if p != SSAR] == []


def test_unreachable_cluster_leaves_admission_unknown(run):
    pixie = facts(run, 'unreachable')
    assert pixie['checks']['admission']['status'] == 'unknown'
    assert pixie['checks']['admission']['msg'] == pixie['checks']['k8s_version']['msg']
    assert run.unreachable_url in pixie['checks']['admission']['msg']


def test_the_checks_can_be_skipped_by_id(run):
    plain = run.reports['plain']['rows'][-1]
    skipped = run.reports['skipped']['rows'][-1]
    assert plain['name'] == skipped['name'] == 'cluster'
    assert plain['checks']['admission']['status'] == 'fail'
    assert skipped['checks']['admission']['status'] == 'skipped'
    assert skipped['checks']['admission']['skipped_status'] == 'fail'
    assert skipped['checks']['namespace_quota']['status'] == 'skipped'
    assert plain['status'] == 'fail' and skipped['status'] != 'fail'
    assert 'pixie_preflight_skip_checks=admission' in run.reports['plain']['table']
