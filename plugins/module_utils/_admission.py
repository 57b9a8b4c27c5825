# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Would the cluster admit Pixie? Asked of the API server itself, by server-side dry run.

A pod with the pod spec of Pixie's node agent (the ``vizier-pem`` DaemonSet) is created with
``?dryRun=All``: nothing is persisted, and every admission layer - Pod Security Admission, OpenShift's
security context constraints, validating webhooks such as Gatekeeper and Kyverno (those that declare
``sideEffects: None``), ValidatingAdmissionPolicies, LimitRanges, ResourceQuotas - answers as it would for
the real deploy. This module builds the manifests and turns the answers into two checks:

- ``admission``: admitted (pass), admitted with warnings (warn), rejected by a security layer (fail, with
  the layer, its reasons in words and a remedy for that layer), or no honest answer (unknown);
- ``namespace_quota``: whether a ResourceQuota or LimitRange in the namespace rejects or caps the PEMs'
  memory (Pixie's default PEM memory limit and request are 2Gi, one PEM per Linux node).

The PEM pod spec follows Pixie's own manifests (pixie-io/pixie): ``k8s/vizier/pem/base/pem_daemonset.yaml``
(privileged, SYS_ADMIN and SYS_PTRACE, hostPID, hostNetwork, the ``/sys`` hostPath, tolerations, node
affinity), ``k8s/vizier/pem/pem_host_mounts.yaml`` (the ``/`` hostPath mounted at ``/host``),
``k8s/vizier/pem/base/arch_tolerations/daemonset.yaml``, the ``app``/``component`` labels of
``k8s/vizier/pem/base/kustomization.yaml``, and the memory limit and request ``defaultMemoryLimit = "2Gi"``
of ``src/utils/template_generator/vizier_yamls/vizier_yamls.go``.

kubectl is driven through the ``Kubectl`` object of the cluster module (its ``run`` callable and its
``base`` argument list): ``kubectl get --raw`` and ``kubectl create --raw '<path>?dryRun=All' -f -``, which
print the ``Warning`` headers of the answer on stderr. Pure logic otherwise; never imports AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import cluster

CHECK_IDS = ('admission', 'namespace_quota')

DEFAULT_NAMESPACE = 'pl'
# Pixie's default PEM memory limit and request (vizier_yamls.go, defaultMemoryLimit).
PEM_MEMORY_LIMIT = '2Gi'
POD_NAME = 'vizier-pem-preflight-dry-run'
PEM_IMAGE = 'gcr.io/pixie-oss/pixie-dev/vizier/pem_image:latest'
PSA_PREFIX = 'pod-security.kubernetes.io/'
PSA_ENFORCE = PSA_PREFIX + 'enforce'
# Namespaces never used as the stand-in for a namespace that does not exist yet: their Pod Security
# is commonly exempted or preset, so they say nothing about what a new namespace gets.
_SYSTEM_NAMESPACE_RE = re.compile(r'^(kube-|openshift|kubernetes-|gatekeeper-system$|kyverno$)')
_DNS_LABEL_RE = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
_KLOG_RE = re.compile(r'^[IWE]\d{4} \d\d:\d\d:\d\d')
_SECRET_RE = re.compile(r'(?i)(bearer\s+|token[=:]\s*|password[=:]\s*)\S+')
_SERVER_ERROR_RE = re.compile(r'^Error from server(?: \((.*?)\))?: ', re.S)
_MIB = 2 ** 20


class _Answer(object):
    """What kubectl printed for one request: the object, or the error, and the warnings."""

    def __init__(self, rc, out, err):
        self.ok = rc == 0
        self.warnings = parse_warnings(err)
        self.obj = None
        self.reason = None
        self.message = None
        if self.ok:
            try:
                self.obj = json.loads(out)
            except ValueError:
                self.ok = False
                self.message = 'kubectl printed something that is not JSON: %s' % clean(out, 200)
        else:
            self.reason, self.message = parse_error(err or out)


# --- manifests ------------------------------------------------------------------------------------

def validate_namespace(name):
    """Raise ValueError unless ``name`` is a valid namespace name (an RFC 1123 label)."""
    if not isinstance(name, str) or len(name) > 63 or not _DNS_LABEL_RE.match(name):
        raise ValueError('%r is not a namespace name (lower-case letters, digits and "-", at most 63)' % (name,))
    return name


def memory_bytes(quantity):
    """Bytes of a memory quantity (``2Gi``); ValueError when it is none or not positive."""
    value = cluster.parse_quantity(quantity)
    if value <= 0:
        raise ValueError('a memory limit must be positive, got %r' % (quantity,))
    return value


def pem_pod(namespace, memory_limit=PEM_MEMORY_LIMIT):
    """The Pod Pixie's ``vizier-pem`` DaemonSet creates, as the body of a dry-run create."""
    return {
        'apiVersion': 'v1',
        'kind': 'Pod',
        'metadata': {
            'name': POD_NAME,
            'namespace': namespace,
            'labels': {'name': 'vizier-pem', 'plane': 'data', 'app': 'pl-monitoring', 'component': 'vizier'},
        },
        'spec': {
            'affinity': {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': {'nodeSelectorTerms': [
                {'matchExpressions': [{'key': 'kubernetes.io/os', 'operator': 'Exists'},
                                      {'key': 'kubernetes.io/os', 'operator': 'In', 'values': ['linux']}]},
                {'matchExpressions': [{'key': 'beta.kubernetes.io/os', 'operator': 'Exists'},
                                      {'key': 'beta.kubernetes.io/os', 'operator': 'In', 'values': ['linux']}]},
            ]}}},
            'tolerations': [
                {'key': 'node-role.kubernetes.io/master', 'effect': 'NoSchedule'},
                {'operator': 'Exists', 'effect': 'NoExecute'},
                {'operator': 'Exists', 'effect': 'NoSchedule'},
                {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'amd64', 'effect': 'NoSchedule'},
                {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'amd64', 'effect': 'NoExecute'},
                {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'arm64', 'effect': 'NoSchedule'},
                {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'arm64', 'effect': 'NoExecute'},
            ],
            'initContainers': [{
                'name': 'qb-wait',
                'image': 'gcr.io/pixie-oss/pixie-dev-public/curl:multiarch-7.87.0',
                'command': ['sh', '-c', 'true'],
                'securityContext': {'allowPrivilegeEscalation': False, 'capabilities': {'drop': ['ALL']},
                                    'seccompProfile': {'type': 'RuntimeDefault'}},
            }],
            'containers': [{
                'name': 'pem',
                'image': PEM_IMAGE,
                'env': [
                    {'name': 'PL_HOST_PATH', 'value': '/host'},
                    {'name': 'PL_POD_NAME', 'valueFrom': {'fieldRef': {'fieldPath': 'metadata.name'}}},
                    {'name': 'PL_HOST_IP', 'valueFrom': {'fieldRef': {'fieldPath': 'status.hostIP'}}},
                    {'name': 'PL_JWT_SIGNING_KEY',
                     'valueFrom': {'secretKeyRef': {'key': 'jwt-signing-key', 'name': 'pl-cluster-secrets'}}},
                ],
                'resources': {'limits': {'memory': memory_limit}, 'requests': {'memory': memory_limit}},
                'securityContext': {
                    'capabilities': {'add': ['SYS_PTRACE', 'SYS_ADMIN']},
                    'privileged': True,
                    'seccompProfile': {'type': 'RuntimeDefault'},
                },
                'volumeMounts': [
                    {'name': 'sys', 'mountPath': '/sys', 'readOnly': True},
                    {'name': 'certs', 'mountPath': '/certs'},
                    {'name': 'host-root', 'mountPath': '/host', 'readOnly': True},
                ],
            }],
            'securityContext': {'seccompProfile': {'type': 'RuntimeDefault'}},
            'hostPID': True,
            'hostNetwork': True,
            'dnsPolicy': 'ClusterFirstWithHostNet',
            'terminationGracePeriodSeconds': 10,
            'volumes': [
                {'name': 'sys', 'hostPath': {'path': '/sys', 'type': 'Directory'}},
                {'name': 'certs', 'secret': {'secretName': 'service-tls-certs'}},
                {'name': 'host-root', 'hostPath': {'path': '/', 'type': 'Directory'}},
            ],
        },
    }


def without_resources(pod):
    """The same pod without its memory request and limit (to ask past a LimitRange)."""
    pod = copy.deepcopy(pod)
    for container in pod['spec']['containers']:
        container.pop('resources', None)
    return pod


def namespace_manifest(name):
    return {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': name}}


# --- kubectl output -------------------------------------------------------------------------------

def clean(text, limit=600):
    """One line of server text: no klog lines, no secrets, whitespace collapsed, bounded."""
    lines = [line.strip() for line in (text or '').splitlines()]
    lines = [line for line in lines if line and not _KLOG_RE.match(line)]
    message = re.sub(r'\s+', ' ', ' '.join(lines)).strip() or 'no message'
    message = _SECRET_RE.sub(lambda m: m.group(1) + '<redacted>', message)
    return message if len(message) <= limit else message[:limit] + '...'


def parse_warnings(stderr):
    """The admission warnings kubectl printed (``Warning: ...`` lines, one per Warning header)."""
    found = []
    for line in (stderr or '').splitlines():
        if line.startswith('Warning: '):
            text = clean(line[len('Warning: '):], 1000)
            if text not in found:
                found.append(text)
    return found


def parse_error(stderr):
    """``(reason, message)`` of kubectl's ``Error from server (Reason): message``; reason None if absent."""
    lines = [line for line in (stderr or '').splitlines()
             if not line.startswith('Warning: ') and not _KLOG_RE.match(line)]
    text = '\n'.join(lines).strip()
    match = _SERVER_ERROR_RE.match(text)
    if match:
        return match.group(1), text[match.end():]
    return None, text


def split_top_level(text, separator=', '):
    """Split at ``separator`` outside parentheses, brackets and quotes."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        char = text[i]
        if char == '"' and (i == 0 or text[i - 1] != '\\'):
            quoted = not quoted
        elif not quoted and char in '([{':
            depth += 1
        elif not quoted and char in ')]}':
            depth = max(0, depth - 1)
        elif not quoted and depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            i += len(separator)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


# --- what a rejection says ------------------------------------------------------------------------

def psa_violation(message):
    """``(level, [(reason, detail)])`` of a Pod Security message, or None."""
    match = re.search(r'violates PodSecurity "([^"]+)": (.*)$', message, re.S)
    if not match:
        return None
    items = []
    for part in split_top_level(match.group(2).strip()):
        item = re.match(r'^(.*?)\s*\((.*)\)$', part, re.S)
        items.append((item.group(1), item.group(2)) if item else (part, ''))
    return match.group(1), items


def psa_words(level, items):
    named = []
    for reason, detail in items:
        named.append('%s (%s)' % (reason, detail) if reason == 'host namespaces' and detail else reason)
    return 'Pod Security "%s": %s' % (level, ', '.join(named))


_SCC_PHRASES = (
    ('Host network is not allowed to be used', 'host network'),
    ('Host PID is not allowed to be used', 'host PID'),
    ('Host IPC is not allowed to be used', 'host IPC'),
    ('hostPath volumes are not allowed to be used', 'hostPath volumes'),
    ('Privileged containers are not allowed', 'privileged containers'),
    ('Host ports are not allowed to be used', 'host ports'),
)


def scc_words(message):
    found = [words for phrase, words in _SCC_PHRASES if phrase.lower() in message.lower()]
    capabilities = []
    for cap in re.findall(r'Invalid value: "([A-Z_]+)": capability may not be added', message):
        if cap not in capabilities:
            capabilities.append(cap)
    if capabilities:
        found.append('adding capabilities %s' % ', '.join(capabilities))
    unusable = re.findall(r'provider "?([\w.-]+)"?: Forbidden: not usable by user or serviceaccount', message)
    text = 'OpenShift security context constraints: no SCC the pod may use allows %s' % (
        ', '.join(found) if found else clean(message, 300))
    if 'privileged' in unusable:
        text += ' (the privileged SCC is not usable by these credentials nor the pod\'s service account)'
    return text


def _first_sentence(text, limit=120):
    text = re.sub(r'\s+', ' ', text).strip().strip("'")
    while re.search(r'\{[^{}]*\}', text):          # objects printed into a message: {...}
        text = re.sub(r'\{[^{}]*\}', '\x00', text)
    text = text.replace('\x00', '{...}')
    text = re.sub(r'^validation error: ', '', text)
    match = re.match(r'^(.*?[.!])(\s|$)', text)
    text = match.group(1) if match else text
    return text if len(text) <= limit else text[:limit] + '...'


def webhook_denial(message):
    """``(webhook, names, summary)`` of an admission webhook denial, or None.

    ``names`` are the Gatekeeper constraints (``[name] msg`` lines) or Kyverno policies (``policy:`` lines)
    that denied; ``summary`` is one short reason per name (``name: first sentence``), or the bounded text.
    """
    match = re.search(r'admission webhook "([^"]+)" denied the request:?\s*(.*)$', message, re.S)
    if not match:
        return None
    webhook, text = match.group(1), match.group(2)
    reasons = []
    if 'gatekeeper' in webhook:
        for name, msg in re.findall(r'^\[([^\]]+)\]\s*(.*)$', text, re.M):
            reasons.append((name, msg))
    elif 'kyverno' in webhook:
        policy = None
        for line in text.splitlines():
            head = re.match(r'^([\w.-]+):\s*$', line)
            rule = re.match(r'^\s+[\w.-]+:\s*(.+)$', line)
            if head:
                policy = head.group(1)
            elif rule and policy:
                reasons.append((policy, rule.group(1)))
    names, summary = [], []
    for name, msg in reasons:
        if name not in names:
            names.append(name)
            summary.append('%s: %s' % (name, _first_sentence(msg)))
    return webhook, names, '; '.join(summary) if summary else clean(text, 400)


def classify(reason, message):
    verdict = _classify(reason, message)
    verdict['words'] = clean(verdict['words'], 800)
    return verdict


def _classify(reason, message):
    """What a failed dry run means: a dict with ``kind``, ``layer``, ``words`` (and ``names`` for webhooks).

    ``kind`` is ``security`` (a security layer rejected the pod: fail), ``quota`` or ``limitrange`` (the
    namespace's quota or limit range did: namespace_quota), ``forbidden`` (these credentials may not create
    pods there), ``unsupported`` (no dry run here), ``not_found``, ``invalid`` or ``error`` (unknown).
    """
    text = message or ''
    one_line = clean(text)
    if 'does not support dry run' in text:
        webhook = re.search(r'admission webhook "([^"]+)"', text)
        return {'kind': 'unsupported', 'layer': 'webhook', 'words': 'the admission webhook %s does not support dry '
                'run (it does not declare sideEffects None or NoneOnDryRun), so the API server refuses every dry '
                'run it would see' % (webhook.group(1) if webhook else '?')}
    if re.search(r'dryRun (alpha|beta) feature is disabled|dryRun is not supported', text):
        return {'kind': 'unsupported', 'layer': 'api', 'words': 'the API server does not support server-side dry '
                'run (%s)' % one_line}
    rbac = re.search(r'cannot create resource "([\w.-]+)"', text)
    if rbac:
        return {'kind': 'forbidden', 'layer': 'RBAC', 'words': 'these credentials may not create %s, so they '
                'may not dry-run one either: %s' % (rbac.group(1), one_line)}
    if 'error looking up service account' in text:
        return {'kind': 'error', 'layer': 'api', 'words': 'the namespace has no service account for the pod yet: %s'
                % one_line}
    psa = psa_violation(text)
    if psa:
        return {'kind': 'security', 'layer': 'psa', 'level': psa[0], 'items': psa[1],
                'words': psa_words(psa[0], psa[1])}
    if 'unable to validate against any security context constraint' in text:
        return {'kind': 'security', 'layer': 'scc', 'words': scc_words(text)}
    if 'unable to validate against any pod security policy' in text:
        return {'kind': 'security', 'layer': 'psp', 'words': 'PodSecurityPolicy: no policy the pod may use allows '
                'it: %s' % clean(text.split('pod security policy:', 1)[-1], 400)}
    denial = webhook_denial(text)
    if denial:
        webhook, names, detail = denial
        if 'gatekeeper' in webhook:
            layer, engine = 'gatekeeper', 'Gatekeeper'
        elif 'kyverno' in webhook:
            layer, engine = 'kyverno', 'Kyverno'
        else:
            layer, engine = 'webhook', 'The admission webhook'
        words = '%s (admission webhook %s)' % (engine, webhook) if layer != 'webhook' else \
            'the admission webhook %s' % webhook
        words += ': %s' % clean(detail, 500)
        return {'kind': 'security', 'layer': layer, 'webhook': webhook, 'names': names, 'words': words}
    vap = re.search(r"ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)' denied request: (.*)$", text, re.S)
    if vap:
        return {'kind': 'security', 'layer': 'vap', 'names': [vap.group(1)], 'binding': vap.group(2),
                'words': 'ValidatingAdmissionPolicy %s (binding %s): %s'
                         % (vap.group(1), vap.group(2), clean(vap.group(3), 400))}
    if 'exceeded quota:' in text or re.search(r'failed quota: [^:]+: must specify', text):
        quota = re.search(r'(?:exceeded|failed) quota: ([^,:]+)', text)
        return {'kind': 'quota', 'layer': 'quota', 'names': [quota.group(1)] if quota else [],
                'words': 'ResourceQuota: %s' % clean(re.sub(r'^.*? is forbidden: ', '', text, flags=re.S), 400)}
    if re.search(r'(maximum|minimum) [\w.-]+ usage per (Container|Pod) is|limit to request ratio', text):
        return {'kind': 'limitrange', 'layer': 'limitrange',
                'words': 'LimitRange: %s' % clean(re.sub(r'^.*? is forbidden: ', '', text, flags=re.S), 400)}
    if reason == 'NotFound' or re.search(r'namespaces "[^"]+" not found', text):
        return {'kind': 'not_found', 'layer': 'api', 'words': one_line}
    if reason == 'Invalid' or ' is invalid: ' in text:
        return {'kind': 'invalid', 'layer': 'api', 'words': 'the API server finds the test pod invalid (a bug in '
                'pixie_ops.preflight, please report it): %s' % one_line}
    if reason is not None and ('is forbidden' in text or reason == 'Forbidden'):
        return {'kind': 'security', 'layer': 'other', 'words': 'an admission layer: %s' % one_line}
    return {'kind': 'error', 'layer': 'api', 'words': one_line}


def security_remedy(verdict, namespace, exists):
    layer = verdict['layer']
    if layer == 'psa':
        if exists:
            return ('Label Pixie\'s namespace for its privileged node agent: kubectl label namespace %s '
                    '%s=privileged --overwrite (or exempt %s in the API server\'s PodSecurity admission '
                    'configuration).' % (namespace, PSA_ENFORCE, namespace))
        return ('Create Pixie\'s namespace labelled for its privileged node agent before deploying: kubectl create '
                'namespace %s && kubectl label namespace %s %s=privileged (or exempt %s in the API server\'s '
                'PodSecurity admission configuration).' % (namespace, namespace, PSA_ENFORCE, namespace))
    if layer == 'scc':
        return ('Grant the privileged SCC to the service accounts Pixie\'s pods run as in %s (the PEM runs as '
                'default): oc adm policy add-scc-to-user privileged -z default -n %s' % (namespace, namespace))
    if layer == 'psp':
        return ('Bind a PodSecurityPolicy that allows privileged pods, hostPID, hostNetwork and hostPath volumes to '
                'the service accounts of namespace %s.' % namespace)
    names = ', '.join(verdict.get('names') or []) or 'the rejecting policies'
    if layer == 'gatekeeper':
        return ('Exempt Pixie\'s namespace from the Gatekeeper constraints %s: add %s to spec.match.'
                'excludedNamespaces of each (or to the excludedNamespaces of the Gatekeeper Config for the '
                'webhook).' % (names, namespace))
    if layer == 'kyverno':
        return ('Create a Kyverno PolicyException for %s covering Pixie\'s pods in %s (the vizier-pem DaemonSet and '
                'its Pods), or exclude namespace %s in those policies.' % (names, namespace, namespace))
    if layer == 'vap':
        return ('Exclude namespace %s from the ValidatingAdmissionPolicyBinding %s (its matchResources), or add a '
                'policy exception for Pixie\'s pods.' % (namespace, verdict.get('binding')))
    if layer == 'webhook':
        return ('Ask the owner of the admission webhook %s for a policy exception for Pixie\'s pods in %s.'
                % (verdict.get('webhook'), namespace))
    return 'Ask the cluster administrator which admission layer rejects privileged pods in %s and for an exception.' \
        % namespace


# --- namespace quota ------------------------------------------------------------------------------

def _mib(value):
    return '%d MiB' % (value // _MIB) if value % (2 ** 30) else '%d GiB' % (value // 2 ** 30)


def check_namespace_quota(namespace, exists, quotas, limit_ranges, memory_limit, pem_pods, verdict=None,
                          error=None):
    """ResourceQuota and LimitRange of ``namespace`` against ``pem_pods`` PEMs of ``memory_limit`` each.

    ``quotas``/``limit_ranges`` are the List objects (None when not read: ``error`` says why);
    ``verdict`` the classified dry-run rejection, when the dry run was rejected by one of them.
    """
    need = memory_bytes(memory_limit)
    expected = 'room for %d PEM pod(s) of %s memory (one per Linux node)' % (pem_pods, memory_limit)
    remedy_quota = ('Raise the quota\'s memory in %s to at least %s for the PEMs plus Pixie\'s other pods, or '
                    'deploy with a smaller PEM memory limit (pemMemoryLimit; 1Gi is the smallest Pixie '
                    'recommends).' % (namespace, _mib(need * pem_pods)))
    remedy_range = ('Raise the LimitRange\'s maximum memory per container in %s to at least %s, or deploy with a '
                    'PEM memory limit (pemMemoryLimit) at or below that maximum.' % (namespace, memory_limit))
    if verdict and verdict['kind'] in ('quota', 'limitrange'):
        return checks.make_check(
            checks.FAIL, 'the API server rejects the PEM pod in %s: %s' % (namespace, verdict['words']), expected,
            verdict['words'], remedy_quota if verdict['kind'] == 'quota' else remedy_range)
    if not exists:
        return checks.make_check(checks.PASS, 'namespace %s does not exist yet, so no ResourceQuota or LimitRange '
                                 'there caps the PEMs\' memory' % namespace, expected, 'no namespace')
    if error:
        return checks.make_check(checks.UNKNOWN, 'cannot read the ResourceQuotas and LimitRanges of %s: %s'
                                 % (namespace, error), expected)
    problems, notes = [], []
    for item in (limit_ranges or {}).get('items') or []:
        name = (item.get('metadata') or {}).get('name')
        for limit in (item.get('spec') or {}).get('limits') or []:
            maximum = (limit.get('max') or {}).get('memory')
            if limit.get('type') in ('Container', 'Pod') and maximum is not None:
                try:
                    if cluster.parse_quantity(maximum) < need:
                        problems.append(('limitrange', 'LimitRange %s caps a %s\'s memory at %s, below the PEM\'s %s'
                                         % (name, limit['type'].lower(), maximum, memory_limit)))
                except ValueError:
                    notes.append('LimitRange %s has an unreadable max memory %r' % (name, maximum))
    for item in (quotas or {}).get('items') or []:
        name = (item.get('metadata') or {}).get('name')
        hard = (item.get('status') or {}).get('hard') or (item.get('spec') or {}).get('hard') or {}
        used = (item.get('status') or {}).get('used') or {}
        for key in ('limits.memory', 'requests.memory', 'memory'):
            if key not in hard:
                continue
            try:
                room = cluster.parse_quantity(hard[key]) - cluster.parse_quantity(used.get(key, '0'))
            except ValueError:
                notes.append('ResourceQuota %s has an unreadable %s' % (name, key))
                continue
            fits = max(0, room // need)
            if fits < pem_pods:
                problems.append(('quota', 'ResourceQuota %s leaves %s of %s (hard %s, used %s): room for %d of the %d '
                                 'PEM pods of %s' % (name, _mib(max(0, room)), key, hard[key], used.get(key, '0'),
                                                     fits, pem_pods, memory_limit)))
        for key in ('pods', 'count/pods'):
            if key in hard:
                try:
                    room = int(hard[key]) - int(used.get(key, '0'))
                except ValueError:
                    continue
                if room < pem_pods:
                    problems.append(('quota', 'ResourceQuota %s leaves room for %d more pods, fewer than the %d PEM '
                                     'pods' % (name, max(0, room), pem_pods)))
    if problems:
        kinds = set(kind for kind, dummy in problems)
        remedy = ' '.join(([remedy_range] if 'limitrange' in kinds else []) + ([remedy_quota] if 'quota' in kinds
                                                                               else []))
        return checks.make_check(checks.FAIL, '; '.join(text for dummy, text in problems + [(None, n) for n in notes]),
                                 expected, [text for dummy, text in problems], remedy)
    names = [(i.get('metadata') or {}).get('name') for i in (quotas or {}).get('items') or []] + \
        [(i.get('metadata') or {}).get('name') for i in (limit_ranges or {}).get('items') or []]
    if not names:
        return checks.make_check(checks.PASS, 'no ResourceQuota or LimitRange in %s' % namespace, expected, [])
    status = checks.UNKNOWN if notes else checks.PASS
    msg = 'the ResourceQuotas and LimitRanges of %s (%s) leave room for %d PEM pod(s) of %s' % (
        namespace, ', '.join(names), pem_pods, memory_limit)
    if notes:
        msg += '; but %s' % '; '.join(notes)
    return checks.make_check(status, msg, expected, names)


# --- asking the API server ------------------------------------------------------------------------

def _get(kubectl, path):
    rc, out, err = kubectl.run(kubectl.base + ['get', '--raw', path])
    return _Answer(rc, out, err)


def _dry_run(kubectl, path, body):
    rc, out, err = kubectl.run(kubectl.base + ['create', '--raw', path + '?dryRun=All', '-f', '-'],
                               data=json.dumps(body))
    return _Answer(rc, out, err)


def _labels(obj):
    return ((obj or {}).get('metadata') or {}).get('labels') or {}


def psa_labels(namespace_obj):
    return dict((k, v) for k, v in _labels(namespace_obj).items() if k.startswith(PSA_PREFIX))


def stand_in_namespace(namespace_list):
    """An existing namespace without Pod Security labels, ``default`` first; None when there is none."""
    candidates = []
    for item in (namespace_list or {}).get('items') or []:
        name = (item.get('metadata') or {}).get('name')
        if not name or psa_labels(item) or _SYSTEM_NAMESPACE_RE.match(name):
            continue
        if (item.get('status') or {}).get('phase', 'Active') != 'Active':
            continue
        candidates.append(name)
    if 'default' in candidates:
        return 'default'
    return sorted(candidates)[0] if candidates else None


def _unknown(msg, expected):
    return checks.make_check(checks.UNKNOWN, msg, expected)


def gather(kubectl, namespace=DEFAULT_NAMESPACE, memory_limit=PEM_MEMORY_LIMIT, pem_pods=1):
    """Ask the API server; returns ``(checks, details)``: the two checks and what was asked where."""
    expected = 'the API server admits Pixie\'s PEM pod in namespace %s' % namespace
    details = {'namespace': namespace, 'namespace_exists': None, 'judged_in': None, 'warnings': [], 'scc': None}
    result = {}
    ns_answer = _get(kubectl, '/api/v1/namespaces/%s' % namespace)
    exists = ns_answer.ok
    target, notes = namespace, []
    if not ns_answer.ok:
        verdict = classify(ns_answer.reason, ns_answer.message)
        if verdict['kind'] != 'not_found':
            msg = 'cannot read namespace %s: %s' % (namespace, clean(ns_answer.message))
            return dict((i, _unknown(msg, expected)) for i in CHECK_IDS), details
        details['namespace_exists'] = False
        created = _dry_run(kubectl, '/api/v1/namespaces', namespace_manifest(namespace))
        details['warnings'].extend(created.warnings)
        if not created.ok:
            ns_verdict = classify(created.reason, created.message)
            if ns_verdict['kind'] == 'security':
                result['admission'] = checks.make_check(
                    checks.FAIL, 'namespace %s does not exist, and the API server rejects creating it: %s'
                    % (namespace, ns_verdict['words']), expected, ns_verdict['words'],
                    security_remedy(ns_verdict, namespace, False))
            else:
                notes.append('a dry run of creating namespace %s gave no answer: %s' % (namespace, ns_verdict['words']))
        listed = _get(kubectl, '/api/v1/namespaces')
        target = stand_in_namespace(listed.obj) if listed.ok else None
        if target is None:
            why = ('cannot list the namespaces: %s' % clean(listed.message)) if not listed.ok else \
                'every existing namespace carries Pod Security labels or is a system namespace'
            result.setdefault('admission', _unknown(
                'namespace %s does not exist, and there is no namespace to judge a new one by (%s)'
                % (namespace, why), expected))
            result['namespace_quota'] = check_namespace_quota(namespace, False, None, None, memory_limit, pem_pods)
            return result, details
        notes.insert(0, 'namespace %s does not exist; a new %s would carry no Pod Security labels, so the PEM pod was '
                     'judged in namespace %s, which carries none either' % (namespace, namespace, target))
    else:
        details['namespace_exists'] = True
    details['judged_in'] = target

    pod = pem_pod(target, memory_limit)
    answer = _dry_run(kubectl, '/api/v1/namespaces/%s/pods' % target, pod)
    verdict = None if answer.ok else classify(answer.reason, answer.message)
    admitted_by = None
    if verdict and verdict['kind'] == 'limitrange':
        # LimitRanger answers before Pod Security and the webhooks: ask again without the memory limit.
        retry = _dry_run(kubectl, '/api/v1/namespaces/%s/pods' % target, without_resources(pod))
        retry_verdict = None if retry.ok else classify(retry.reason, retry.message)
        if retry.ok or retry_verdict['kind'] not in ('limitrange', 'quota'):
            notes.append('the LimitRange of %s rejects the PEM\'s memory (see namespace_quota); judged again without '
                         'the memory limit' % target)
            answer, admitted_by = retry, verdict
    details['warnings'].extend(w for w in answer.warnings if w not in details['warnings'])
    final = None if answer.ok else classify(answer.reason, answer.message)
    note = (' (%s)' % '; '.join(notes)) if notes else ''
    if 'admission' in result:
        pass
    elif answer.ok:
        scc = (((answer.obj or {}).get('metadata') or {}).get('annotations') or {}).get('openshift.io/scc')
        details['scc'] = scc
        where = 'namespace %s' % namespace if exists else 'a new namespace %s' % namespace
        msg = 'the API server admits Pixie\'s PEM pod (privileged, hostPID, hostNetwork, hostPath / and /sys) in %s' \
            % where
        if scc:
            msg += ' under the SCC %s, chosen for these credentials; the DaemonSet\'s pods are judged for their ' \
                'service account' % scc
        if details['warnings']:
            result['admission'] = checks.make_check(
                checks.WARN, '%s, with admission warnings: %s%s' % (msg, '; '.join(details['warnings']), note),
                expected, 'admitted with warnings',
                'Nothing blocks the deploy. To silence Pod Security warnings label the namespace: kubectl label '
                'namespace %s %swarn=privileged %saudit=privileged --overwrite' % (namespace, PSA_PREFIX, PSA_PREFIX))
        else:
            result['admission'] = checks.make_check(checks.PASS, msg + note, expected, 'admitted')
    elif final['kind'] == 'security':
        where = ''
        if final['layer'] == 'psa':
            enforce = psa_labels(ns_answer.obj).get(PSA_ENFORCE) if exists else None
            where = (' (enforced by the label %s=%s on namespace %s)' % (PSA_ENFORCE, enforce, namespace) if enforce
                     else ' (the cluster-wide default of the API server\'s PodSecurity admission configuration)')
        result['admission'] = checks.make_check(
            checks.FAIL, 'the API server rejects Pixie\'s PEM pod: %s%s%s' % (final['words'], where, note), expected,
            final['words'], security_remedy(final, namespace, exists))
    elif final['kind'] == 'quota':
        result['admission'] = checks.make_check(
            checks.PASS, 'every admission layer before ResourceQuota admits Pixie\'s PEM pod in %s; the quota rejects '
            'its memory (see namespace_quota)%s' % (target, note), expected, 'admitted but for the quota')
    elif final['kind'] == 'forbidden':
        result['admission'] = _unknown('cannot ask: %s%s' % (final['words'], note), expected)
    elif final['kind'] == 'unsupported':
        result['admission'] = _unknown('cannot ask: %s%s' % (final['words'], note), expected)
    else:
        result['admission'] = _unknown('the dry run of the PEM pod in %s gave no verdict: %s%s'
                                       % (target, final['words'], note), expected)

    quota_verdict = admitted_by or (final if final and final['kind'] in ('quota', 'limitrange') else None)
    if not exists:
        result['namespace_quota'] = check_namespace_quota(namespace, False, None, None, memory_limit, pem_pods,
                                                          quota_verdict if target == namespace else None)
        return result, details
    quotas = _get(kubectl, '/api/v1/namespaces/%s/resourcequotas' % namespace)
    ranges = _get(kubectl, '/api/v1/namespaces/%s/limitranges' % namespace)
    error = None
    if not quotas.ok or not ranges.ok:
        error = clean(quotas.message if not quotas.ok else ranges.message)
    result['namespace_quota'] = check_namespace_quota(namespace, True, quotas.obj, ranges.obj, memory_limit, pem_pods,
                                                      quota_verdict, error)
    return result, details


def linux_nodes(facts):
    return len([n for n in (facts or {}).get('nodes') or [] if n.get('operating_system') == 'linux'])


def extend(facts, kubectl, namespace=DEFAULT_NAMESPACE, enabled=True, memory_limit=PEM_MEMORY_LIMIT):
    """Add the ``admission`` and ``namespace_quota`` checks (and ``admission`` details) to ``pixie_cluster``.

    ``kubectl`` is None when there is no kubectl or kubeconfig; then, and when the API did not answer, both
    checks are ``unknown`` with the message the other checks carry. ``enabled=False`` adds nothing.
    """
    if not enabled:
        return facts
    facts = dict(facts)
    facts['checks'] = dict(facts.get('checks') or {})
    if kubectl is None or not facts.get('reachable'):
        others = [c.get('msg') for c in facts['checks'].values() if c.get('status') == checks.UNKNOWN]
        msg = others[0] if others else 'the cluster was not asked'
        for check_id in CHECK_IDS:
            facts['checks'][check_id] = checks.make_check(checks.UNKNOWN, msg)
    else:
        pem_pods = linux_nodes(facts) or 1
        result, details = gather(kubectl, namespace, memory_limit, pem_pods)
        details['pem_pods'] = pem_pods
        facts['checks'].update(result)
        facts['admission'] = details
    facts['status'] = checks.overall_status(facts['checks'])
    return facts
