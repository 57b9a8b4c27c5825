# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Would the cluster admit Pixie? Asked of the API server itself, by server-side dry run.

A pod with the pod spec of Pixie's node agent (the ``vizier-pem`` DaemonSet, ``_admission_pod``) is
created with ``?dryRun=All``: nothing is persisted, and every admission layer - Pod Security Admission,
OpenShift's security context constraints, validating webhooks such as Gatekeeper and Kyverno (those that
declare ``sideEffects: None``), ValidatingAdmissionPolicies, LimitRanges, ResourceQuotas - answers as it
would for the real deploy. Two checks come of it:

- ``admission``: admitted (pass), admitted with warnings (warn), rejected by a security layer (fail, with
  the layer, its reasons in words and a remedy for that layer, ``_admission_verdicts``), or no honest
  answer (unknown);
- ``namespace_quota`` (``_namespace_quota``): whether a ResourceQuota or LimitRange in the namespace
  rejects or caps the PEMs' memory (Pixie's default PEM memory limit and request are 2Gi, one PEM per
  Linux node).

kubectl is the ``_kubectl.Kubectl`` client of ``_cluster``: ``kubectl get --raw`` and
``kubectl create --raw '<path>?dryRun=All' -f -`` through its :meth:`call`, which gives stderr too (the
``Warning`` headers of the answer and the ``Error from server (Reason)`` line). Private to this
collection; never imports AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils._admission_pod import (
    namespace_manifest, pem_pod, without_resources)
from ansible_collections.pixie_ops.preflight.plugins.module_utils._admission_verdicts import (
    PSA_ENFORCE, PSA_PREFIX, classify, parse_error, parse_warnings, security_remedy)
from ansible_collections.pixie_ops.preflight.plugins.module_utils._kubectl import clean_message
from ansible_collections.pixie_ops.preflight.plugins.module_utils._namespace_quota import check_namespace_quota
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import redact

CHECK_IDS = ('admission', 'namespace_quota')
# The most kubectl calls gather() makes: the namespace, a dry-run namespace, the namespace list, the
# pod dry run and its retry without the memory limit, the ResourceQuotas, the LimitRanges.
MAX_REQUESTS = 7
# Namespaces never used as the stand-in for a namespace that does not exist yet: their Pod Security
# is commonly exempted or preset, so they say nothing about what a new namespace gets.
_SYSTEM_NAMESPACE_RE = re.compile(r'^(kube-|openshift|kubernetes-|gatekeeper-system$|kyverno$)')


class _Answer(object):
    """What kubectl printed for one request: the object, or the error, and the warnings; the
    kubeconfig's credentials (``secrets``) masked in every text kept."""

    def __init__(self, rc, out, err, secrets=()):
        err = redact(err or '', secrets)
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
                self.message = 'kubectl printed something that is not JSON: %s' % clean_message(out, 200, secrets)
        else:
            self.reason, self.message = parse_error(err or redact(out or '', secrets))


def _get(kubectl, path):
    rc, out, err = kubectl.call(['get', '--raw', path])
    return _Answer(rc, out, err, kubectl.secrets)


def _dry_run(kubectl, path, body):
    rc, out, err = kubectl.call(['create', '--raw', path + '?dryRun=All', '-f', '-'], data=json.dumps(body))
    return _Answer(rc, out, err, kubectl.secrets)


def psa_labels(namespace_obj):
    labels = ((namespace_obj or {}).get('metadata') or {}).get('labels') or {}
    return dict((k, v) for k, v in labels.items() if k.startswith(PSA_PREFIX))


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


class _Asking(object):
    """One admission question: what was asked where, the notes for the message, the checks so far."""

    def __init__(self, kubectl, namespace, memory_limit, pem_pods):
        self.kubectl = kubectl
        self.namespace = namespace
        self.memory_limit = memory_limit
        self.pem_pods = pem_pods
        self.expected = 'the API server admits Pixie\'s PEM pod in namespace %s' % namespace
        self.details = {'namespace': namespace, 'namespace_exists': None, 'judged_in': None, 'warnings': [],
                        'scc': None}
        self.result = {}
        self.notes = []
        self.ns_answer = None
        self.exists = False

    def note(self):
        return (' (%s)' % '; '.join(self.notes)) if self.notes else ''


def _dry_run_new_namespace(asking):
    """Namespace ``asking.namespace`` does not exist: dry-run creating it (a fail when security rejects it)."""
    namespace = asking.namespace
    created = _dry_run(asking.kubectl, '/api/v1/namespaces', namespace_manifest(namespace))
    asking.details['warnings'].extend(created.warnings)
    if created.ok:
        return
    verdict = classify(created.reason, created.message)
    if verdict['kind'] == 'security':
        asking.result['admission'] = checks.make_check(
            checks.FAIL, 'namespace %s does not exist, and the API server rejects creating it: %s'
            % (namespace, verdict['words']), asking.expected, verdict['words'],
            security_remedy(verdict, namespace, False))
    else:
        asking.notes.append('a dry run of creating namespace %s gave no answer: %s' % (namespace, verdict['words']))


def _target(asking):
    """The namespace to dry-run the pod in (None when there is none: both checks are then in the result)."""
    namespace = asking.namespace
    asking.ns_answer = _get(asking.kubectl, '/api/v1/namespaces/%s' % namespace)
    asking.exists = asking.ns_answer.ok
    asking.details['namespace_exists'] = asking.exists
    if asking.exists:
        return namespace
    if classify(asking.ns_answer.reason, asking.ns_answer.message)['kind'] != 'not_found':
        asking.details['namespace_exists'] = None
        msg = 'cannot read namespace %s: %s' % (namespace, clean_message(asking.ns_answer.message))
        asking.result = dict((i, _unknown(msg, asking.expected)) for i in CHECK_IDS)
        return None
    _dry_run_new_namespace(asking)
    listed = _get(asking.kubectl, '/api/v1/namespaces')
    target = stand_in_namespace(listed.obj) if listed.ok else None
    if target is None:
        why = ('cannot list the namespaces: %s' % clean_message(listed.message)) if not listed.ok else \
            'every existing namespace carries Pod Security labels or is a system namespace'
        asking.result.setdefault('admission', _unknown(
            'namespace %s does not exist, and there is no namespace to judge a new one by (%s)'
            % (namespace, why), asking.expected))
        asking.result['namespace_quota'] = check_namespace_quota(namespace, False, None, None, asking.memory_limit,
                                                                 asking.pem_pods)
        return None
    asking.notes.insert(0, 'namespace %s does not exist; a new %s would carry no Pod Security labels, so the PEM '
                        'pod was judged in namespace %s, which carries none either' % (namespace, namespace, target))
    return target


def _dry_run_pod(asking, target):
    """``(answer, final verdict or None, the LimitRange verdict the retry went past or None)``."""
    pod = pem_pod(target, asking.memory_limit)
    path = '/api/v1/namespaces/%s/pods' % target
    answer = _dry_run(asking.kubectl, path, pod)
    verdict = None if answer.ok else classify(answer.reason, answer.message)
    admitted_by = None
    if verdict and verdict['kind'] == 'limitrange':
        # LimitRanger answers before Pod Security and the webhooks: ask again without the memory limit.
        retry = _dry_run(asking.kubectl, path, without_resources(pod))
        retry_verdict = None if retry.ok else classify(retry.reason, retry.message)
        if retry.ok or retry_verdict['kind'] not in ('limitrange', 'quota'):
            asking.notes.append('the LimitRange of %s rejects the PEM\'s memory (see namespace_quota); judged again '
                                'without the memory limit' % target)
            answer, verdict, admitted_by = retry, retry_verdict, verdict
    warnings = asking.details['warnings']
    warnings.extend(w for w in answer.warnings if w not in warnings)
    return answer, verdict, admitted_by


def _admitted(asking, answer):
    namespace, details = asking.namespace, asking.details
    scc = (((answer.obj or {}).get('metadata') or {}).get('annotations') or {}).get('openshift.io/scc')
    details['scc'] = scc
    where = 'namespace %s' % namespace if asking.exists else 'a new namespace %s' % namespace
    msg = 'the API server admits Pixie\'s PEM pod (privileged, hostPID, hostNetwork, hostPath / and /sys) in %s' \
        % where
    if scc:
        msg += ' under the SCC %s, chosen for these credentials; the DaemonSet\'s pods are judged for their ' \
            'service account' % scc
    if not details['warnings']:
        return checks.make_check(checks.PASS, msg + asking.note(), asking.expected, 'admitted')
    return checks.make_check(
        checks.WARN, '%s, with admission warnings: %s%s' % (msg, '; '.join(details['warnings']), asking.note()),
        asking.expected, 'admitted with warnings',
        'Nothing blocks the deploy. To silence Pod Security warnings label the namespace: kubectl label '
        'namespace %s %swarn=privileged %saudit=privileged --overwrite' % (namespace, PSA_PREFIX, PSA_PREFIX))


def _rejected(asking, final, target):
    namespace, note = asking.namespace, asking.note()
    if final['kind'] == 'security':
        where = ''
        if final['layer'] == 'psa':
            enforce = psa_labels(asking.ns_answer.obj).get(PSA_ENFORCE) if asking.exists else None
            where = (' (enforced by the label %s=%s on namespace %s)' % (PSA_ENFORCE, enforce, namespace) if enforce
                     else ' (the cluster-wide default of the API server\'s PodSecurity admission configuration)')
        return checks.make_check(
            checks.FAIL, 'the API server rejects Pixie\'s PEM pod: %s%s%s' % (final['words'], where, note),
            asking.expected, final['words'], security_remedy(final, namespace, asking.exists))
    if final['kind'] == 'quota':
        return checks.make_check(
            checks.PASS, 'every admission layer before ResourceQuota admits Pixie\'s PEM pod in %s; the quota rejects '
            'its memory (see namespace_quota)%s' % (target, note), asking.expected, 'admitted but for the quota')
    if final['kind'] in ('forbidden', 'unsupported'):
        return _unknown('cannot ask: %s%s' % (final['words'], note), asking.expected)
    return _unknown('the dry run of the PEM pod in %s gave no verdict: %s%s' % (target, final['words'], note),
                    asking.expected)


def _quota_check(asking, target, quota_verdict):
    namespace = asking.namespace
    if not asking.exists:
        return check_namespace_quota(namespace, False, None, None, asking.memory_limit, asking.pem_pods,
                                     quota_verdict if target == namespace else None)
    quotas = _get(asking.kubectl, '/api/v1/namespaces/%s/resourcequotas' % namespace)
    ranges = _get(asking.kubectl, '/api/v1/namespaces/%s/limitranges' % namespace)
    error = None
    if not quotas.ok or not ranges.ok:
        error = clean_message(quotas.message if not quotas.ok else ranges.message)
    return check_namespace_quota(namespace, True, quotas.obj, ranges.obj, asking.memory_limit, asking.pem_pods,
                                 quota_verdict, error)


def gather(kubectl, namespace=requirements.PIXIE_NAMESPACE, memory_limit=requirements.PEM_MEMORY_LIMIT, pem_pods=1):
    """Ask the API server; returns ``(checks, details)``: the two checks and what was asked where."""
    asking = _Asking(kubectl, namespace, memory_limit, pem_pods)
    target = _target(asking)
    if target is None:
        return asking.result, asking.details
    asking.details['judged_in'] = target
    answer, final, admitted_by = _dry_run_pod(asking, target)
    if 'admission' not in asking.result:
        asking.result['admission'] = _admitted(asking, answer) if answer.ok else _rejected(asking, final, target)
    quota_verdict = admitted_by or (final if final and final['kind'] in ('quota', 'limitrange') else None)
    asking.result['namespace_quota'] = _quota_check(asking, target, quota_verdict)
    return asking.result, asking.details


def linux_nodes(facts):
    return len([n for n in (facts or {}).get('nodes') or [] if n.get('operating_system') == 'linux'])


def extend(facts, kubectl, namespace=requirements.PIXIE_NAMESPACE, enabled=True,
           memory_limit=requirements.PEM_MEMORY_LIMIT):
    """Add the ``admission`` and ``namespace_quota`` checks (and ``admission`` details) to the cluster result.

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
