#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: node_pods
short_description: Start or remove the short-lived pods that check each node of a cluster from inside
version_added: 0.2.0
description:
  - Pod mode of the preflight (the C(pixie_ops.preflight.preflight_cluster) playbook) - every node of a cluster
    checked without SSH, from one short-lived pod per Linux node, reached through the C(kubernetes.core.kubectl)
    connection plugin.
  - With O(state=present) it first asks a C(SelfSubjectAccessReview) for every right the run uses and fails with one
    message naming the missing ones (creating nothing); then lists the nodes, deletes the preflight pods an earlier
    run left in O(namespace), creates O(namespace) (unless O(create_namespace=false)), creates one pod per Linux node
    that is Ready, and waits for them with one deadline (O(start_timeout)). It returns every node, with why its pod
    does not run when it does not - the API refused it (admission, Pod Security), its image cannot be pulled, the
    node has no room, the node is not Ready.
  - Each pod is pinned to its node by C(spec.nodeName), tolerates every taint, mounts the host's C(/) read-only at
    C(/host), shares the host's PID namespace, requests 10m CPU and 32Mi memory (256Mi limit), has no service
    account token, and ends by itself after O(lifetime) seconds (C(activeDeadlineSeconds)), so the pods of an
    interrupted run stop on their own. Everything created carries the label
    C(app.kubernetes.io/managed-by=pixie-preflight).
  - Windows nodes, EKS Fargate nodes and virtual-kubelet nodes get no pod; they are returned with the reason.
  - With O(state=absent) it deletes every pod labelled C(app.kubernetes.io/managed-by=pixie-preflight) in O(namespace)
    and, when O(create_namespace=true), every namespace with that label, and waits until they are gone; what is still
    there at the deadline is in RV(remaining).
  - Runs on the control node. C(kubectl) is run with list arguments, C(LC_ALL=C), REST paths (C(--raw)) and
    O(timeout) as its request timeout, under a deadline for the whole module run (its process group is killed past
    it).
  - Fails when the cluster cannot be used (no kubeconfig, no C(kubectl), no answer from the API, a right missing);
    a pod that does not start is not a failure of the module but a node with a C(reason) in RV(nodes).
author:
  - pixie_ops.preflight contributors (@pixie-ops)
attributes:
  check_mode:
    description: The module creates and deletes pods; it cannot run in check mode.
    support: none
  diff_mode:
    description: No diff is shown.
    support: none
options:
  state:
    description: V(present) starts the pods, V(absent) removes everything the preflight created.
    type: str
    choices: [present, absent]
    default: present
  kubeconfig:
    description: The kubeconfig to use; C(KUBECONFIG) or C(~/.kube/config) when not set.
    type: path
  context:
    description: The kubeconfig context; the current one when not set.
    type: str
  kubectl:
    description: The C(kubectl) to run; C(kubectl) on C(PATH) when not set.
    type: path
  timeout:
    description: Request timeout of each C(kubectl) call, in seconds.
    type: int
    default: 10
  namespace:
    description:
      - The namespace of the pods. Created with the label C(app.kubernetes.io/managed-by=pixie-preflight) and the
        Pod Security label C(pod-security.kubernetes.io/enforce=privileged) (the pods use C(hostPath) and
        C(hostPID)), and deleted by O(state=absent).
      - An existing namespace without the label is refused unless O(create_namespace=false).
    type: str
    default: pixie-preflight
  create_namespace:
    description:
      - Whether the run creates (and O(state=absent) deletes) O(namespace). Set V(false) to use a namespace created
        beforehand (then the credentials need no rights on namespaces, and only the pods are deleted).
    type: bool
    default: true
  image:
    description:
      - The image of the pods; it needs C(/bin/sh) and Python 3 (any Python the nodes' Ansible modules run on).
        Point it at a copy in your own registry for an air-gapped cluster.
    type: str
    default: docker.io/library/python:3.13-slim-bookworm
  image_pull_secrets:
    description: Names of Secrets in O(namespace) to pull O(image) with.
    type: list
    elements: str
    default: []
  start_timeout:
    description: How long to wait, in seconds, for all the pods to run (one deadline for all of them).
    type: int
    default: 120
  lifetime:
    description: Seconds after which each pod ends by itself (C(activeDeadlineSeconds)), at least 60.
    type: int
    default: 3600
  host_network:
    description:
      - Make the pods privileged so that a probe can enter the host's network namespace (C(nsenter -t 1 -n)), to
        check egress from the host network as well as from the pod network.
    type: bool
    default: false
notes:
  - 'The rights a run needs: C(list) nodes; C(create), C(get), C(list), C(delete) namespaces (only with
    O(create_namespace=true)); C(create), C(get), C(list), C(delete) pods and C(create), C(get) C(pods/exec) in
    O(namespace). The README has a ClusterRole and a Role with exactly these.'
  - 'Leftovers of an interrupted run can be removed by hand with
    C(kubectl delete ns -l app.kubernetes.io/managed-by=pixie-preflight).'
  - The credentials in the kubeconfig are never returned nor logged; messages from the server are.
seealso:
  - module: pixie_ops.preflight.node_facts
    description: The node checks the pods run, with O(pixie_ops.preflight.node_facts#module:host_root=/host).
'''

EXAMPLES = r'''
- name: Start a preflight pod on every Linux node
  pixie_ops.preflight.node_pods:
    kubeconfig: ~/.kube/config
    start_timeout: 60
  register: preflight_pods

- name: The same with an image from an internal registry
  pixie_ops.preflight.node_pods:
    image: registry.example.internal/mirror/python:3.13-slim-bookworm
    image_pull_secrets: [internal-registry]
  register: preflight_pods

- name: Remove every preflight pod and namespace
  pixie_ops.preflight.node_pods:
    state: absent
'''

RETURN = r'''
namespace:
  description: The namespace of the pods.
  type: str
  returned: always
  sample: pixie-preflight
nodes:
  description:
    - Every node of the cluster, sorted by name, with C(name) (the Kubernetes node name), C(os), C(pod) (its pod's name,
      null for a node that gets none), C(phase), C(ready), C(running) and C(reason) (null when the pod runs; else why
      it does not, or why the node gets no pod).
  type: list
  elements: dict
  returned: when O(state=present)
  sample:
    - {name: node-a, os: linux, pod: pixie-preflight-node-a, phase: Running, ready: true, running: true, reason: null}
    - {name: node-b, os: linux, pod: pixie-preflight-node-b, phase: Pending, ready: false, running: false,
       reason: 'the preflight pod pixie-preflight-node-b did not start on node node-b within 120s: ImagePullBackOff:
       Back-off pulling image "python:3.13-slim-bookworm"'}
created_namespace:
  description: Whether this run created O(namespace).
  type: bool
  returned: when O(state=present)
swept:
  description: Pods of an earlier run deleted before the new ones were created.
  type: list
  elements: str
  returned: when O(state=present)
deleted_pods:
  description: The pods deleted, as C(namespace/name).
  type: list
  elements: str
  returned: when O(state=absent)
deleted_namespaces:
  description: The namespaces deleted.
  type: list
  elements: str
  returned: when O(state=absent)
remaining:
  description: What was still there at the deadline (a namespace still terminating), empty when everything is gone.
  type: list
  elements: str
  returned: when O(state=absent)
missing_rights:
  description: The rights the credentials lack, when that is why the module failed.
  type: list
  elements: str
  returned: when rights are missing
'''

import os

from ansible.module_utils.basic import AnsibleModule

# First of this collection's module_utils: the others are then compiled once on a node, not twice.
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _compile_once  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_pods_run
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ClusterError, UsageError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import MIN_SECRET_LENGTH


def main():
    module = AnsibleModule(argument_spec=_node_pods_run.argument_spec(), supports_check_mode=False)
    secrets = set()
    try:
        result = _node_pods_run.node_pods(module.params, module.get_bin_path, os.environ, secrets=secrets)
    except UsageError as exc:
        module.fail_json(msg=str(exc))
    except _node_pods_run.MissingRights as exc:
        module.fail_json(msg=str(exc), missing_rights=exc.missing)
    except ClusterError as exc:
        module.fail_json(msg='the preflight pods could not be managed: %s' % exc)
    finally:
        module.no_log_values.update(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
