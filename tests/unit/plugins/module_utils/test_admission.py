# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_admission.py, _admission_pod.py, _admission_verdicts.py, _namespace_quota.py: the dry-run pod against
the Kubernetes OpenAPI schema, and the answers each admission layer really gives (tests/fixtures/k8s_admission/*/SOURCE.md) turned into checks.

The real kubectl against the replay server is in tests/system/test_admission.py; here kubectl's output is
given as kubectl prints it (``Error from server (Reason): message`` and ``Warning: ...`` on stderr).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import kubernetes_validate
import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _admission
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _admission_pod
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _admission_verdicts
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _namespace_quota
from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils._kubectl import Kubectl
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import MASK

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'k8s_admission')
POD = _admission_pod.POD_NAME


def fixture(case):
    with open(os.path.join(FIXTURES, case, 'admission.json')) as handle:
        return json.load(handle)


def pod_answer(case):
    """The Status a fixture's API server answers to the dry-run pod (the first pod rule)."""
    for rule in fixture(case)['answers']:
        if rule['path'].endswith('/pods') and rule.get('body'):
            return rule['body']
    raise AssertionError('no pod answer in %s' % case)


def kubectl_error(status):
    """What kubectl prints on stderr for a Status (observed with kubectl 1.32 against the replay server)."""
    if status.get('reason'):
        return 'Error from server (%s): %s\n' % (status['reason'], status['message'])
    return 'Error from server: %s\n' % status['message']


# --- the pod against the real OpenAPI schema ------------------------------------------------------

SCHEMA_VERSIONS = ['1.25', '1.29', kubernetes_validate.latest_version()]


@pytest.mark.parametrize('version', SCHEMA_VERSIONS)
@pytest.mark.parametrize('manifest', [
    _admission_pod.pem_pod('pl'),
    _admission_pod.pem_pod('observability', '1Gi'),
    _admission_pod.without_resources(_admission_pod.pem_pod('pl')),
    _admission_pod.namespace_manifest('pl'),
], ids=['pem_pod', 'pem_pod_1Gi', 'pem_pod_without_resources', 'namespace'])
def test_manifests_match_the_kubernetes_openapi_schema(manifest, version):
    kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize('spoil', [
    lambda pod: pod['spec'].update(hostPid=True),                                     # a misspelt field
    lambda pod: pod['spec']['containers'][0]['securityContext'].update(privileged='true'),   # a string, not a bool
    lambda pod: pod['spec']['volumes'][0]['hostPath'].update(type=None, pth='/sys'),
    lambda pod: pod['spec']['tolerations'][0].update(effects='NoSchedule'),
])
def test_the_schema_check_catches_a_typo(spoil):
    pod = _admission_pod.pem_pod('pl')
    spoil(pod)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, kubernetes_validate.latest_version(), strict=True)


def test_pem_pod_has_what_pixies_manifest_asks_for():
    pod = _admission_pod.pem_pod('pl')
    spec = pod['spec']
    pem = [c for c in spec['containers'] if c['name'] == 'pem'][0]
    assert pod['metadata']['namespace'] == 'pl'
    assert spec['hostPID'] is True and spec['hostNetwork'] is True
    assert pem['securityContext']['privileged'] is True
    assert sorted(pem['securityContext']['capabilities']['add']) == ['SYS_ADMIN', 'SYS_PTRACE']
    assert sorted(v['hostPath']['path'] for v in spec['volumes'] if 'hostPath' in v) == ['/', '/sys']
    assert pem['resources'] == {'limits': {'memory': '2Gi'}, 'requests': {'memory': '2Gi'}}
    assert {'operator': 'Exists', 'effect': 'NoSchedule'} in spec['tolerations']
    terms = spec['affinity']['nodeAffinity']['requiredDuringSchedulingIgnoredDuringExecution']['nodeSelectorTerms']
    assert {'key': 'kubernetes.io/os', 'operator': 'In', 'values': ['linux']} in terms[0]['matchExpressions']
    assert 'resources' not in _admission_pod.without_resources(pod)['spec']['containers'][0]
    assert pem['resources']['limits']['memory'] == '2Gi'   # without_resources copied, it did not change the pod


@pytest.mark.parametrize('name', ['pl', 'pixie-system', 'a', 'x' * 63])
def test_validate_namespace(name):
    assert _admission_pod.validate_namespace(name) == name


@pytest.mark.parametrize('name', ['', 'PL', 'pl_ns', '-pl', 'pl-', 'x' * 64, 'pl/evil', None])
def test_validate_namespace_rejects(name):
    with pytest.raises(ValueError):
        _admission_pod.validate_namespace(name)


@pytest.mark.parametrize('text, expected', [('2Gi', 2 ** 31), ('1Gi', 2 ** 30), ('1500Mi', 1500 * 2 ** 20),
                                            ('2G', 2 * 10 ** 9)])
def test_memory_bytes(text, expected):
    assert _admission_pod.memory_bytes(text) == expected


@pytest.mark.parametrize('text', ['0', 'lots', '-1Gi', ''])
def test_memory_bytes_rejects(text):
    with pytest.raises(ValueError):
        _admission_pod.memory_bytes(text)


# --- kubectl's output -----------------------------------------------------------------------------

@pytest.mark.parametrize('stderr, reason, message', [
    ('Error from server (Forbidden): pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged\n',
     'Forbidden', 'pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged'),
    ('Error from server: admission webhook "validate.kyverno.svc-fail" denied the request: \n\npolicy a:\n  b: c\n',
     None, 'admission webhook "validate.kyverno.svc-fail" denied the request: \n\npolicy a:\n  b: c'),
    ('Error from server (NotFound): namespaces "pl" not found\n', 'NotFound', 'namespaces "pl" not found'),
    ('Warning: something\nError from server (BadRequest): the dryRun beta feature is disabled\n', 'BadRequest',
     'the dryRun beta feature is disabled'),
    ('E1128 18:43:41.000000   12 memcache.go:265] couldn\'t get current server API group list\n'
     'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
     None, 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?'),
])
def test_parse_error(stderr, reason, message):
    assert _admission_verdicts.parse_error(stderr) == (reason, message)


def test_parse_warnings_keeps_each_warning_once_and_nothing_else():
    stderr = ('Warning: would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true)\n'
              'Warning: second\nWarning: second\nI1128 18:00:00.000000 1 x.go:1] klog noise\n')
    assert _admission_verdicts.parse_warnings(stderr) == [
        'would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true)', 'second']
    assert _admission_verdicts.parse_warnings('') == []


def test_server_text_is_masked_and_bounded_by_the_kubectl_client():
    """The verdicts use _kubectl.clean_message, the one place that masks credentials in server text."""
    verdict = _admission_verdicts.classify(None, 'Authorization: Bearer abc.def\n  next ' + 'x' * 900)
    assert 'abc.def' not in verdict['words'] and 'Bearer %s next' % MASK in verdict['words']
    assert verdict['words'].endswith('...') and len(verdict['words']) == 603
    warnings = _admission_verdicts.parse_warnings('Warning: token=s3cret denied\n')
    assert warnings == ['token=%s denied' % MASK]


def test_the_kubeconfigs_credentials_are_masked_in_every_admission_text():
    """A webhook that quotes the request's credentials in a form no pattern knows: the kubeconfig's
    secrets the kubectl client learnt (Kubectl.secrets) are masked in the checks and the details."""
    leak = 'tok-Zq81-secret'
    script = existing_pl((1, '', 'Warning: seen %s\nError from server (Forbidden): admission webhook "deny.example.com" '
                             'denied the request: caller %s may not\n' % (leak, leak)))
    client = ScriptedKubectl(script)
    client.secrets.add(leak)
    result, details = _admission.gather(client, 'pl')
    shown = json.dumps([result, details])
    assert leak not in shown and MASK in result['admission']['msg']
    assert result['admission']['status'] == 'fail'


@pytest.mark.parametrize('text, parts', [
    ('a (x, y), b, c ("d, e")', ['a (x, y)', 'b', 'c ("d, e")']),
    ('unrestricted capabilities (container "pem" must set drop=["ALL"]; x), runAsNonRoot != true (pod)',
     ['unrestricted capabilities (container "pem" must set drop=["ALL"]; x)', 'runAsNonRoot != true (pod)']),
    ('single', ['single']),
])
def test_split_top_level(text, parts):
    assert _admission_verdicts.split_top_level(text) == parts


# --- each layer's answer, from the fixtures -------------------------------------------------------

# fixture -> (kind, layer, words that must be in the verdict, names)
LAYERS = {
    'psa_baseline_cluster_wide': ('security', 'psa', ['Pod Security "baseline:latest"', 'non-default capabilities',
                                                      'host namespaces (hostNetwork=true, hostPID=true)',
                                                      'hostPath volumes', 'privileged'], None),
    'psa_restricted_cluster_wide': ('security', 'psa', ['Pod Security "restricted:latest"', 'restricted volume types',
                                                        'allowPrivilegeEscalation != false', 'runAsNonRoot != true'],
                                    None),
    'openshift_no_scc': ('security', 'scc', ['host network, host PID, hostPath volumes, privileged containers, '
                                             'adding capabilities SYS_PTRACE, SYS_ADMIN',
                                             'privileged SCC is not usable'], None),
    'gatekeeper': ('security', 'gatekeeper', ['Gatekeeper (admission webhook validation.gatekeeper.sh)',
                                              'Sharing the host namespace is not allowed'],
                   ['psp-host-filesystem', 'psp-host-namespace', 'psp-privileged-container']),
    'kyverno': ('security', 'kyverno', ['Kyverno (admission webhook validate.kyverno.svc-fail)',
                                        'HostPath volumes are forbidden'],
                ['disallow-capabilities', 'disallow-host-namespaces', 'disallow-host-path',
                 'disallow-privileged-containers']),
    'quota': ('quota', 'quota', ['ResourceQuota: exceeded quota: pl-compute', 'limited: limits.memory=1Gi'],
              ['pl-compute']),
    'limitrange': ('limitrange', 'limitrange', ['LimitRange: maximum memory usage per Container is 1Gi, but limit '
                                                'is 2Gi'], None),
    'forbidden': ('forbidden', 'RBAC', ['may not create pods', 'cannot create resource "pods"'], None),
    'dry_run_disabled': ('unsupported', 'api', ['does not support server-side dry run',
                                                'the dryRun beta feature is disabled'], None),
    'webhook_without_dry_run': ('unsupported', 'webhook', ['pod-policy.example.com does not support dry run'], None),
}


def test_every_rejecting_fixture_has_a_row():
    assert set(LAYERS) == set(os.listdir(FIXTURES)) - {'psa_labelled_pl', 'psa_warn', 'README.md'}


@pytest.mark.parametrize('case', sorted(LAYERS))
def test_classify_each_layers_real_answer(case):
    kind, layer, words, names = LAYERS[case]
    reason, message = _admission_verdicts.parse_error(kubectl_error(pod_answer(case)))
    verdict = _admission_verdicts.classify(reason, message)
    assert (verdict['kind'], verdict['layer']) == (kind, layer), verdict
    for text in words:
        assert text in verdict['words'], (text, verdict['words'])
    if names is not None:
        assert verdict['names'] == names
    assert '\n' not in verdict['words']


@pytest.mark.parametrize('reason, message, kind, layer', [
    ('Forbidden', 'pods "p" is forbidden: unable to validate against any pod security policy: '
     '[spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used]',
     'security', 'psp'),
    ('Forbidden', 'pods "p" is forbidden: ValidatingAdmissionPolicy \'no-host\' with binding \'no-host-binding\' '
     'denied request: hostPID is not allowed', 'security', 'vap'),
    ('Forbidden', 'admission webhook "deny.example.com" denied the request: no privileged pods', 'security', 'webhook'),
    ('Forbidden', 'pods "p" is forbidden: failed quota: pl-compute: must specify limits.memory for: pem', 'quota',
     'quota'),
    ('Forbidden', 'pods "p" is forbidden: something new', 'security', 'other'),
    ('Invalid', 'Pod "p" is invalid: spec.containers[0].image: Required value', 'invalid', 'api'),
    ('NotFound', 'namespaces "pl" not found', 'not_found', 'api'),
    (None, 'The connection to the server 127.0.0.1:1 was refused', 'error', 'api'),
    ('BadRequest', 'the dryRun alpha feature is disabled', 'unsupported', 'api'),
    ('Forbidden', 'namespaces is forbidden: User "dev" cannot create resource "namespaces" in API group "" at the '
     'cluster scope', 'forbidden', 'RBAC'),
    ('Forbidden', 'pods "p" is forbidden: error looking up service account pl/default: serviceaccount "default" not '
     'found', 'error', 'api'),
])
def test_classify_other_answers(reason, message, kind, layer):
    verdict = _admission_verdicts.classify(reason, message)
    assert (verdict['kind'], verdict['layer']) == (kind, layer), verdict


def test_psa_violation_reads_level_reasons_and_details():
    message = pod_answer('psa_baseline_cluster_wide')['message']
    level, items = _admission_verdicts.psa_violation(message)
    assert level == 'baseline:latest'
    assert [reason for reason, dummy in items] == ['non-default capabilities', 'host namespaces', 'hostPath volumes',
                                                   'privileged']
    assert dict(items)['hostPath volumes'] == 'volumes "sys", "host-root"'
    assert _admission_verdicts.psa_violation('pods "p" is forbidden: exceeded quota: q') is None


@pytest.mark.parametrize('layer, exists, fragments', [
    ('psa', True, ['kubectl label namespace pl pod-security.kubernetes.io/enforce=privileged --overwrite']),
    ('psa', False, ['kubectl create namespace pl && kubectl label namespace pl '
                    'pod-security.kubernetes.io/enforce=privileged']),
    ('scc', True, ['oc adm policy add-scc-to-user privileged -z default -n pl']),
    ('gatekeeper', True, ['spec.match.excludedNamespaces', 'psp-host-namespace']),
    ('kyverno', True, ['PolicyException', 'disallow-host-path']),
    ('webhook', True, ['deny.example.com']),
    ('vap', True, ['ValidatingAdmissionPolicyBinding b']),
])
def test_remedy_is_specific_to_the_layer(layer, exists, fragments):
    verdict = {'layer': layer, 'names': ['psp-host-namespace', 'disallow-host-path'], 'webhook': 'deny.example.com',
               'binding': 'b'}
    remedy = _admission_verdicts.security_remedy(verdict, 'pl', exists)
    for fragment in fragments:
        assert fragment in remedy


# --- namespace quota ------------------------------------------------------------------------------

def quota(name, hard, used=None):
    return {'metadata': {'name': name}, 'spec': {'hard': hard}, 'status': {'hard': hard, 'used': used or {}}}


def limit_range(name, maximum, kind='Container'):
    return {'metadata': {'name': name}, 'spec': {'limits': [{'type': kind, 'max': {'memory': maximum}}]}}


def items(*objects):
    return {'items': list(objects)}


@pytest.mark.parametrize('quotas, ranges, pods, status, words', [
    (items(), items(), 3, 'pass', 'no ResourceQuota or LimitRange in pl'),
    (items(quota('q', {'limits.memory': '8Gi'}, {'limits.memory': '1Gi'})), items(), 3, 'pass',
     'leave room for 3 PEM pod(s) of 2Gi'),
    (items(quota('q', {'limits.memory': '8Gi'}, {'limits.memory': '3Gi'})), items(), 3, 'fail',
     'room for 2 of the 3 PEM pods'),
    (items(quota('q', {'requests.memory': '1Gi'})), items(), 1, 'fail', 'room for 0 of the 1 PEM pods'),
    (items(quota('q', {'memory': '1536Mi'})), items(), 1, 'fail', 'leaves 1536 MiB of memory'),
    (items(quota('q', {'pods': '10'}, {'pods': '9'})), items(), 2, 'fail', 'room for 1 more pods'),
    (items(quota('q', {'cpu': '4'})), items(), 2, 'pass', 'leave room'),
    (items(), items(limit_range('lr', '1Gi')), 1, 'fail', 'LimitRange lr caps a container\'s memory at 1Gi'),
    (items(), items(limit_range('lr', '4Gi'), limit_range('pod-lr', '1Gi', 'Pod')), 1, 'fail', 'caps a pod\'s'),
    (items(), items(limit_range('lr', '4Gi')), 1, 'pass', 'leave room'),
    (items(quota('q', {'limits.memory': 'lots'})), items(), 1, 'unknown', 'unreadable limits.memory'),
])
def test_check_namespace_quota(quotas, ranges, pods, status, words):
    check = _namespace_quota.check_namespace_quota('pl', True, quotas, ranges, '2Gi', pods)
    assert check['status'] == status, check
    assert words in check['msg'], check['msg']
    assert (check['remedy'] is not None) == (status == 'fail')


def test_namespace_quota_with_a_smaller_pem_limit_fits():
    quotas = items(quota('q', {'limits.memory': '3Gi'}))
    assert _namespace_quota.check_namespace_quota('pl', True, quotas, items(), '1Gi', 3)['status'] == 'pass'
    assert _namespace_quota.check_namespace_quota('pl', True, quotas, items(), '2Gi', 3)['status'] == 'fail'


def test_namespace_quota_from_a_rejection_and_without_namespace():
    verdict = _admission_verdicts.classify(*_admission_verdicts.parse_error(kubectl_error(pod_answer('quota'))))
    check = _namespace_quota.check_namespace_quota('pl', True, items(), items(), '2Gi', 2, verdict)
    assert check['status'] == 'fail' and 'exceeded quota: pl-compute' in check['msg']
    assert 'at least 4 GiB' in check['remedy']
    assert _namespace_quota.check_namespace_quota('pl', False, None, None, '2Gi', 2)['status'] == 'pass'
    unread = _namespace_quota.check_namespace_quota('pl', True, None, None, '2Gi', 2, error='forbidden')
    assert unread['status'] == 'unknown' and 'forbidden' in unread['msg']


# --- the dry runs, through a scripted kubectl ------------------------------------------------------

class ScriptedKubectl(Kubectl):
    """The collection's kubectl client, its commands answered from a script of (verb, path) -> output
    (``kubectl get --raw P`` / ``create --raw P?dryRun=All``) instead of a kubectl binary."""

    def __init__(self, script):
        Kubectl.__init__(self, self._answer, 'kubectl', timeout=5)
        self.script = script
        self.asked = []

    def _answer(self, args, data=None):
        assert args[:3] == ['kubectl', '--request-timeout', '5s']
        verb, path = args[3], args[5]
        self.asked.append((verb, path, json.loads(data) if data else None))
        answer = self.script.get((verb, path))
        if answer is None:
            return 1, '', 'Error from server (NotFound): the server could not find the requested resource\n'
        if callable(answer):
            answer = answer(json.loads(data) if data else None)
        return answer


def ok(obj, warnings=()):
    return 0, json.dumps(obj), ''.join('Warning: %s\n' % w for w in warnings)


def err(status):
    return 1, '', kubectl_error(status)


def ns(name, **labels):
    return {'kind': 'Namespace', 'metadata': {'name': name, 'labels': labels}, 'status': {'phase': 'Active'}}


def echo(body):
    return ok(body)


NOT_FOUND = err({'reason': 'NotFound', 'message': 'namespaces "pl" not found'})
EMPTY = ok({'items': []})


def existing_pl(pod_answer_output, **labels):
    return {
        ('get', '/api/v1/namespaces/pl'): ok(ns('pl', **labels)),
        ('create', '/api/v1/namespaces/pl/pods?dryRun=All'): pod_answer_output,
        ('get', '/api/v1/namespaces/pl/resourcequotas'): EMPTY,
        ('get', '/api/v1/namespaces/pl/limitranges'): EMPTY,
    }


def test_gather_admitted_in_the_existing_namespace():
    kubectl = ScriptedKubectl(existing_pl(echo))
    result, details = _admission.gather(kubectl, 'pl', '2Gi', 3)
    assert result['admission']['status'] == 'pass'
    assert result['namespace_quota']['status'] == 'pass'
    assert details == {'namespace': 'pl', 'namespace_exists': True, 'judged_in': 'pl', 'warnings': [], 'scc': None}
    posted = [body for verb, path, body in kubectl.asked if verb == 'create']
    assert posted == [_admission_pod.pem_pod('pl', '2Gi')]
    assert all(path.endswith('?dryRun=All') for verb, path, dummy in kubectl.asked if verb == 'create')


def test_gather_names_the_label_that_enforces_pod_security():
    kubectl = ScriptedKubectl(existing_pl(err(pod_answer('psa_baseline_cluster_wide')),
                                          **{'pod-security.kubernetes.io/enforce': 'baseline'}))
    check = _admission.gather(kubectl, 'pl')[0]['admission']
    assert check['status'] == 'fail'
    assert 'enforced by the label pod-security.kubernetes.io/enforce=baseline on namespace pl' in check['msg']
    assert '--overwrite' in check['remedy']


def test_gather_warns_on_admission_warnings():
    warning = 'would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true, hostPID=true)'
    kubectl = ScriptedKubectl(existing_pl(lambda body: ok(body, [warning])))
    result, details = _admission.gather(kubectl, 'pl')
    assert result['admission']['status'] == 'warn'
    assert warning in result['admission']['msg']
    assert details['warnings'] == [warning]


def test_gather_on_openshift_names_the_scc_that_admitted_the_pod():
    def admitted(body):
        body['metadata']['annotations'] = {'openshift.io/scc': 'privileged'}
        return ok(body)
    result, details = _admission.gather(ScriptedKubectl(existing_pl(admitted)), 'pl')
    assert result['admission']['status'] == 'pass'
    assert 'under the SCC privileged' in result['admission']['msg']
    assert details['scc'] == 'privileged'


def test_gather_without_the_namespace_judges_in_a_namespace_without_labels():
    kubectl = ScriptedKubectl({
        ('get', '/api/v1/namespaces/pl'): NOT_FOUND,
        ('create', '/api/v1/namespaces?dryRun=All'): echo,
        ('get', '/api/v1/namespaces'): ok({'items': [
            ns('kube-system'), ns('apps', **{_admission_verdicts.PSA_ENFORCE: 'baseline'}), ns('zeta'), ns('beta')]}),
        ('create', '/api/v1/namespaces/beta/pods?dryRun=All'): err(pod_answer('psa_restricted_cluster_wide')),
    })
    result, details = _admission.gather(kubectl, 'pl')
    check = result['admission']
    assert check['status'] == 'fail'
    assert 'judged in namespace beta' in check['msg'] and 'cluster-wide default' in check['msg']
    assert 'kubectl create namespace pl' in check['remedy']
    assert details['namespace_exists'] is False and details['judged_in'] == 'beta'
    assert result['namespace_quota']['status'] == 'pass'
    posted = dict((path, body) for verb, path, body in kubectl.asked if verb == 'create')
    assert posted['/api/v1/namespaces?dryRun=All'] == _admission_pod.namespace_manifest('pl')
    assert posted['/api/v1/namespaces/beta/pods?dryRun=All']['metadata']['namespace'] == 'beta'


@pytest.mark.parametrize('namespaces, stand_in', [
    ([ns('default'), ns('apps')], 'default'),
    ([ns('default', **{_admission_verdicts.PSA_ENFORCE: 'restricted'}), ns('b'), ns('a')], 'a'),
    ([ns('kube-system'), ns('openshift-monitoring'), ns('kyverno')], None),
    ([], None),
])
def test_stand_in_namespace(namespaces, stand_in):
    assert _admission.stand_in_namespace({'items': namespaces}) == stand_in


def test_gather_without_any_namespace_to_judge_by_is_unknown():
    kubectl = ScriptedKubectl({
        ('get', '/api/v1/namespaces/pl'): NOT_FOUND,
        ('create', '/api/v1/namespaces?dryRun=All'): echo,
        ('get', '/api/v1/namespaces'): ok({'items': [ns('default', **{_admission_verdicts.PSA_ENFORCE: 'privileged'})]}),
    })
    check = _admission.gather(kubectl, 'pl')[0]['admission']
    assert check['status'] == 'unknown'
    assert 'no namespace to judge a new one by' in check['msg']


def test_gather_fails_when_the_new_namespace_itself_is_rejected():
    denial = {'reason': 'Forbidden', 'message': 'admission webhook "validation.gatekeeper.sh" denied the request: '
              '[ns-must-have-owner] you must provide labels: {"owner"}'}
    kubectl = ScriptedKubectl({
        ('get', '/api/v1/namespaces/pl'): NOT_FOUND,
        ('create', '/api/v1/namespaces?dryRun=All'): err(denial),
        ('get', '/api/v1/namespaces'): ok({'items': [ns('default')]}),
        ('create', '/api/v1/namespaces/default/pods?dryRun=All'): echo,
    })
    check = _admission.gather(kubectl, 'pl')[0]['admission']
    assert check['status'] == 'fail'
    assert 'rejects creating it' in check['msg'] and 'ns-must-have-owner' in check['remedy']


def test_gather_when_these_credentials_may_not_create_the_namespace():
    denied = err({'reason': 'Forbidden', 'message': 'namespaces is forbidden: User "dev" cannot create resource '
                  '"namespaces" in API group "" at the cluster scope'})
    kubectl = ScriptedKubectl({
        ('get', '/api/v1/namespaces/pl'): NOT_FOUND,
        ('create', '/api/v1/namespaces?dryRun=All'): denied,
        ('get', '/api/v1/namespaces'): ok({'items': [ns('default')]}),
        ('create', '/api/v1/namespaces/default/pods?dryRun=All'): echo,
    })
    check = _admission.gather(kubectl, 'pl')[0]['admission']
    assert check['status'] == 'pass'        # the permissions check reports the namespace right
    assert 'may not create namespaces' in check['msg'] and 'judged in namespace default' in check['msg']


def test_a_huge_message_is_bounded():
    verdict = _admission_verdicts.classify(
        'Forbidden', 'pods "p" is forbidden: violates PodSecurity "baseline:latest": '
        + ', '.join('reason%d (detail)' % i for i in range(500)))
    assert verdict['layer'] == 'psa' and len(verdict['words']) <= 803


def test_gather_when_the_namespace_cannot_be_read():
    denied = err({'reason': 'Forbidden', 'message': 'namespaces "pl" is forbidden: User "dev" cannot get resource '
                  '"namespaces" in API group "" in the namespace "pl"'})
    result, dummy = _admission.gather(ScriptedKubectl({('get', '/api/v1/namespaces/pl'): denied}), 'pl')
    for check_id in _admission.CHECK_IDS:
        assert result[check_id]['status'] == 'unknown'
        assert 'cannot read namespace pl' in result[check_id]['msg']


def test_gather_asks_past_a_limit_range_without_the_memory_limit():
    rejected = err(pod_answer('limitrange'))

    def pods(body):
        resources = body['spec']['containers'][0].get('resources')
        return rejected if resources else err(pod_answer('gatekeeper'))
    script = existing_pl(pods)
    script[('get', '/api/v1/namespaces/pl/limitranges')] = ok({'items': [limit_range('pl-limits', '1Gi')]})
    result = _admission.gather(ScriptedKubectl(script), 'pl')[0]
    assert result['admission']['status'] == 'fail' and 'Gatekeeper' in result['admission']['msg']
    assert 'judged again without the memory limit' in result['admission']['msg']
    assert result['namespace_quota']['status'] == 'fail'
    assert 'maximum memory usage per Container is 1Gi' in result['namespace_quota']['msg']


def test_gather_when_only_the_quota_rejects():
    script = existing_pl(err(pod_answer('quota')))
    script[('get', '/api/v1/namespaces/pl/resourcequotas')] = ok(
        {'items': [quota('pl-compute', {'limits.memory': '1Gi'})]})
    result = _admission.gather(ScriptedKubectl(script), 'pl')[0]
    assert result['admission']['status'] == 'pass'
    assert 'every admission layer before ResourceQuota admits' in result['admission']['msg']
    assert result['namespace_quota']['status'] == 'fail'


@pytest.mark.parametrize('case, words', [
    ('forbidden', 'may not create pods'),
    ('dry_run_disabled', 'does not support server-side dry run'),
    ('webhook_without_dry_run', 'does not support dry run'),
])
def test_gather_cannot_ask(case, words):
    check = _admission.gather(ScriptedKubectl(existing_pl(err(pod_answer(case)))), 'pl')[0]['admission']
    assert check['status'] == 'unknown' and words in check['msg']


# --- into the facts -------------------------------------------------------------------------------

def facts(reachable=True, msg='the API server did not answer', nodes=None):
    result = {'reachable': reachable, 'nodes': nodes or [],
              'checks': {'k8s_version': checks.make_check(checks.PASS if reachable else checks.UNKNOWN, msg)}}
    result['status'] = checks.overall_status(result['checks'])
    return result


def test_extend_disabled_adds_nothing():
    before = facts()
    assert _admission.extend(before, ScriptedKubectl({}), enabled=False) == before


def test_extend_without_an_answering_cluster_is_unknown_with_the_same_reason():
    for kubectl in (None, ScriptedKubectl({})):
        after = _admission.extend(facts(reachable=False), kubectl)
        for check_id in _admission.CHECK_IDS:
            assert after['checks'][check_id] == checks.make_check(checks.UNKNOWN, 'the API server did not answer')
        assert 'admission' not in after


def test_extend_counts_one_pem_per_linux_node_and_sets_the_status():
    nodes = [{'operating_system': 'linux'}, {'operating_system': 'linux'}, {'operating_system': 'windows'}]
    script = existing_pl(echo)
    script[('get', '/api/v1/namespaces/pl/resourcequotas')] = ok(
        {'items': [quota('q', {'limits.memory': '3Gi'})]})
    before = facts(nodes=nodes)
    after = _admission.extend(before, ScriptedKubectl(script))
    assert after['admission']['pem_pods'] == 2
    assert after['checks']['namespace_quota']['status'] == 'fail'
    assert 'room for 1 of the 2 PEM pods' in after['checks']['namespace_quota']['msg']
    assert after['status'] == 'fail'
    assert 'admission' not in before['checks']       # the caller's facts are not changed
