# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a preflight pod's status says: running, still starting, or never going to start, and why.

Pure: a Pod object (any shape) in, ``{phase, ready, running, final, reason}`` out. ``final`` means
waiting longer cannot help (the pod failed, finished, or its image can never be pulled). Private to
this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _k8s_objects as k8s
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import sanitize

# Waiting reasons that no amount of waiting cures (the kubelet does not retry them into a start).
FINAL_WAITING = ('InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError')
# Waiting reasons that are only the normal way to a start.
STARTING = ('ContainerCreating', 'PodInitializing')
MESSAGE_LIMIT = 400


def _join(reason, message):
    parts = [part for part in (k8s.text(reason), k8s.text(message)) if part]
    return sanitize(': '.join(parts), MESSAGE_LIMIT) if parts else None


def _container(status, name):
    found = [item for item in status.get('containerStatuses') or [] if isinstance(item, dict)]
    for item in found:
        if item.get('name') == name:
            return item
    return found[0] if found else {}


def _false_condition(status):
    """The first condition that is not True (``PodScheduled`` refused, ``Ready`` false), as words."""
    for condition in status.get('conditions') or []:
        if isinstance(condition, dict) and condition.get('status') != 'True' and (
                condition.get('reason') or condition.get('message')):
            return _join(condition.get('reason'), condition.get('message'))
    return None


def _terminated(state):
    done = k8s.obj(state.get('terminated'))
    if not done:
        return None
    text = _join(done.get('reason') or 'Terminated', done.get('message'))
    code = done.get('exitCode')
    return '%s (exit code %s)' % (text, code) if isinstance(code, int) else text


def _pending(status, state):
    """``(final, reason)`` of a Pending pod."""
    waiting = k8s.obj(state.get('waiting'))
    reason = k8s.text(waiting.get('reason'))
    if reason and reason not in STARTING:
        return reason in FINAL_WAITING, _join(reason, waiting.get('message'))
    terminated = _terminated(state)
    if terminated:
        return True, terminated
    condition = _false_condition(status)
    if condition:
        return False, condition
    return False, ('still starting (%s)' % reason) if reason else 'still Pending: not started by the kubelet yet'


def pod_state(pod, container=None):
    """The state of one preflight pod: ``{phase, ready, running, final, reason}``; ``reason`` is None
    when it runs."""
    pod = k8s.obj(pod)
    status = k8s.obj(pod.get('status'))
    phase = k8s.text(status.get('phase')) or 'Pending'
    item = _container(status, container)
    state = k8s.obj(item.get('state'))
    ready = item.get('ready') is True
    result = {'phase': phase, 'ready': ready, 'running': False, 'final': False, 'reason': None}
    if k8s.obj(pod.get('metadata')).get('deletionTimestamp'):
        return dict(result, final=True, reason='the pod is being deleted')
    if phase == 'Running' and state.get('running') is not None:
        return dict(result, running=True, final=True)
    if phase in ('Failed', 'Succeeded'):
        why = _join(status.get('reason'), status.get('message')) or _terminated(state) or (
            'the pod %s' % ('failed' if phase == 'Failed' else 'finished before the checks ran'))
        return dict(result, final=True, reason='%s: %s' % (phase, why))
    if phase == 'Running':
        return dict(result, final=_terminated(state) is not None,
                    reason=_terminated(state) or 'its container is not running yet')
    if phase == 'Unknown':
        return dict(result, reason='Unknown: the node stopped reporting the pod (%s)'
                    % (_join(status.get('reason'), status.get('message')) or 'no reason given'))
    final, reason = _pending(status, state)
    return dict(result, final=final, reason=reason)


def not_started(node, pod, reason, waited=None):
    """The one line a node's row shows when its pod never ran."""
    if waited is not None:
        return 'the preflight pod %s did not start on node %s within %ds: %s' % (pod, node, waited, reason)
    return 'the preflight pod %s did not start on node %s: %s' % (pod, node, reason)
