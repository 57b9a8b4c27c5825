# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the API server said to a dry run: kubectl's error and warnings, the layer that rejected, a remedy.

kubectl prints ``Error from server (Reason): message`` and one ``Warning: ...`` line per Warning header on
stderr. :func:`classify` says which admission layer answered - Pod Security Admission, OpenShift's security
context constraints, PodSecurityPolicy, Gatekeeper, Kyverno and other validating webhooks,
ValidatingAdmissionPolicies, ResourceQuota, LimitRange - in words; :func:`security_remedy` what to do about
it. Every text from the server goes through ``_kubectl.clean_message`` (klog lines dropped, secrets masked,
bounded). Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils._kubectl import clean_message, is_klog_line

PSA_PREFIX = 'pod-security.kubernetes.io/'
PSA_ENFORCE = PSA_PREFIX + 'enforce'
_SERVER_ERROR_RE = re.compile(r'^Error from server(?: \((.*?)\))?: ', re.S)


def parse_warnings(stderr):
    """The admission warnings kubectl printed (``Warning: ...`` lines, one per Warning header)."""
    found = []
    for line in (stderr or '').splitlines():
        if line.startswith('Warning: '):
            text = clean_message(line[len('Warning: '):], 1000)
            if text not in found:
                found.append(text)
    return found


def parse_error(stderr):
    """``(reason, message)`` of kubectl's ``Error from server (Reason): message``; reason None if absent."""
    lines = [line for line in (stderr or '').splitlines()
             if not line.startswith('Warning: ') and not is_klog_line(line)]
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
        ', '.join(found) if found else clean_message(message, 300))
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
    return webhook, names, '; '.join(summary) if summary else clean_message(text, 400)


def classify(reason, message):
    """What a failed dry run means: a dict with ``kind``, ``layer``, ``words`` (and ``names`` for webhooks).

    ``kind`` is ``security`` (a security layer rejected the pod: fail), ``quota`` or ``limitrange`` (the
    namespace's quota or limit range did: namespace_quota), ``forbidden`` (these credentials may not create
    pods there), ``unsupported`` (no dry run here), ``not_found``, ``invalid`` or ``error`` (unknown).
    """
    text = message or ''
    one_line = clean_message(text)
    verdict = _no_verdict(text, one_line) or _security_layer(text) or _namespace_layer(text) or \
        _api_answer(reason, text, one_line)
    verdict['words'] = clean_message(verdict['words'], 800)
    return verdict


def _no_verdict(text, one_line):
    """No dry run here, or these credentials may not ask: None when neither."""
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
    return None


def _webhook_verdict(denial):
    webhook, names, detail = denial
    if 'gatekeeper' in webhook:
        layer, engine = 'gatekeeper', 'Gatekeeper'
    elif 'kyverno' in webhook:
        layer, engine = 'kyverno', 'Kyverno'
    else:
        layer, engine = 'webhook', 'The admission webhook'
    words = '%s (admission webhook %s)' % (engine, webhook) if layer != 'webhook' else \
        'the admission webhook %s' % webhook
    words += ': %s' % clean_message(detail, 500)
    return {'kind': 'security', 'layer': layer, 'webhook': webhook, 'names': names, 'words': words}


def _security_layer(text):
    """A security layer that rejected the pod: None when none did."""
    psa = psa_violation(text)
    if psa:
        return {'kind': 'security', 'layer': 'psa', 'level': psa[0], 'items': psa[1],
                'words': psa_words(psa[0], psa[1])}
    if 'unable to validate against any security context constraint' in text:
        return {'kind': 'security', 'layer': 'scc', 'words': scc_words(text)}
    if 'unable to validate against any pod security policy' in text:
        return {'kind': 'security', 'layer': 'psp', 'words': 'PodSecurityPolicy: no policy the pod may use allows '
                'it: %s' % clean_message(text.split('pod security policy:', 1)[-1], 400)}
    denial = webhook_denial(text)
    if denial:
        return _webhook_verdict(denial)
    vap = re.search(r"ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)' denied request: (.*)$", text, re.S)
    if vap:
        return {'kind': 'security', 'layer': 'vap', 'names': [vap.group(1)], 'binding': vap.group(2),
                'words': 'ValidatingAdmissionPolicy %s (binding %s): %s'
                         % (vap.group(1), vap.group(2), clean_message(vap.group(3), 400))}
    return None


def _namespace_layer(text):
    """The namespace's ResourceQuota or LimitRange rejected the pod: None when neither did."""
    reason = clean_message(re.sub(r'^.*? is forbidden: ', '', text, flags=re.S), 400)
    if 'exceeded quota:' in text or re.search(r'failed quota: [^:]+: must specify', text):
        quota = re.search(r'(?:exceeded|failed) quota: ([^,:]+)', text)
        return {'kind': 'quota', 'layer': 'quota', 'names': [quota.group(1)] if quota else [],
                'words': 'ResourceQuota: %s' % reason}
    if re.search(r'(maximum|minimum) [\w.-]+ usage per (Container|Pod) is|limit to request ratio', text):
        return {'kind': 'limitrange', 'layer': 'limitrange', 'words': 'LimitRange: %s' % reason}
    return None


def _api_answer(reason, text, one_line):
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
