#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cluster_info
short_description: Check a Kubernetes cluster against Pixie's cluster requirements
version_added: 0.1.0
description:
  - Asks the cluster, through C(kubectl), what the node checks cannot see, and evaluates each of Pixie's
    cluster requirements into a check - the Kubernetes version, the environment (EKS, EKS Fargate, GKE,
    GKE Autopilot, AKS, OpenShift, kOps, k0s, k3s, k3d, kind, minikube, Docker Desktop, self-hosted), the
    nodes' kernels, architectures and operating systems, Fargate nodes, the right to create namespaces, a
    default StorageClass, and whether the API server would admit Pixie's node agent pod in its namespace
    (O(admission)).
  - Runs once, on the control node. C(kubectl) handles every kubeconfig and auth plugin (EKS, GKE, AKS, OIDC);
    it is run with list arguments, C(LC_ALL=C), JSON output and O(timeout) as its request timeout. It only
    reads, apart from one C(SelfSubjectAccessReview) and the server-side dry runs of O(admission), which change
    nothing in the cluster.
  - The environment is decided from the API alone - C(gitVersion) suffixes, C(spec.providerID) prefixes, node
    labels, names and OS images, and the API groups some flavours serve. No other tool (C(kind), C(minikube),
    a cloud CLI) is run.
  - It never fails on an unmet requirement, nor when there is no kubeconfig, no C(kubectl) or no answer from the
    API - every check is then V(unknown) with a message saying what is missing, so a node-only run still works.
    It fails only when an option is misused.
  - An info module - the cluster is not a fact of the host the module runs on. Register its result; RV(cluster)
    holds what the C(pixie_cluster) fact of the deprecated M(pixie_ops.preflight.cluster_facts) holds.
author:
  - pixie_ops.preflight contributors (@pixie-ops)
extends_documentation_fragment:
  - pixie_ops.preflight.cluster
  - pixie_ops.preflight.attributes
notes:
  - The credentials in the kubeconfig are never returned nor logged; messages from the server are.
seealso:
  - module: pixie_ops.preflight.node_facts
    description: The node checks, on each node.
  - name: Pixie requirements
    description: The requirements these checks implement.
    link: https://docs.px.dev/installing-pixie/requirements/
'''

EXAMPLES = r'''
- name: Check the cluster of the current kubeconfig context
  pixie_ops.preflight.cluster_info:
  register: pixie_cluster_info

- name: Check a given context, with a longer timeout
  pixie_ops.preflight.cluster_info:
    kubeconfig: ~/.kube/prod.yaml
    context: prod-eu
    timeout: 30
  register: pixie_cluster_info

- name: Ask whether the cluster admits Pixie in its own namespace, with a 1Gi PEM memory limit
  pixie_ops.preflight.cluster_info:
    namespace: pixie
    pem_memory_limit: 1Gi
  register: pixie_cluster_info

- name: Stop when the cluster cannot run Pixie
  ansible.builtin.assert:
    that: pixie_cluster_info.cluster.status != 'fail'
    fail_msg: "{{ pixie_cluster_info.cluster.checks | dict2items | selectattr('value.status', 'eq', 'fail')
      | map(attribute='value.msg') | list }}"
'''

RETURN = r'''
cluster:
  description: The cluster, its environment, its nodes and the checks.
  returned: always
  type: complex
  contains:
    server_version:
      description: The server's C(gitVersion); null when the API did not answer.
      type: str
      sample: v1.27.4-eks-2d98532
    version:
      description: The server version normalised to C(X.Y.Z).
      type: str
      sample: 1.27.4
    environment:
      description:
        - One of V(eks), V(eks_fargate), V(gke), V(gke_autopilot), V(aks), V(openshift), V(kops), V(k0s),
          V(k3s), V(k3d), V(kind), V(minikube_vm), V(minikube_container), V(docker_desktop), V(self_hosted);
          null when the API did not answer.
      type: str
      sample: eks
    environment_evidence:
      description: What decided the environment.
      type: list
      elements: str
      sample: ['gitVersion v1.27.4-eks-2d98532 has the -eks- suffix']
    nodes:
      description:
        - Every node, with C(name), C(kernel_version), C(os_image), C(operating_system), C(architecture),
          C(container_runtime), C(provider_id), C(allocatable_memory_mib) and C(unsupported), null or why
          Pixie cannot run there (a Fargate node, a Windows node, an ARM node, an old kernel).
      type: list
      elements: dict
    checks:
      description:
        - The checks keyed by id - C(k8s_version), C(environment), C(node_kernels), C(node_architectures),
          C(node_os), C(fargate_nodes), C(permissions), C(storage_class), and with O(admission) C(admission)
          and C(namespace_quota).
        - C(admission) is V(pass) when the API server admits the PEM pod, V(warn) when it admits it with
          warnings (Pod Security C(warn)/C(audit) levels), V(fail) when a layer rejects it (the layer, its
          reasons and a remedy for that layer in C(msg) and C(remedy)), V(unknown) when these credentials may
          not dry-run a pod or the API does not support dry run.
        - C(namespace_quota) fails when a ResourceQuota or LimitRange of O(namespace) rejects or caps the PEMs'
          memory (O(pem_memory_limit) for each Linux node).
        - Each is C({status, msg, expected, actual, remedy}); C(status) is V(pass), V(warn), V(fail) or
          V(unknown).
      type: dict
    admission:
      description:
        - What the dry runs asked - C(namespace), C(namespace_exists), C(judged_in) (the namespace the PEM pod
          was dry-run in), C(warnings) (the admission warnings), C(scc) (on OpenShift, the SCC that admitted the
          pod) and C(pem_pods) (the Linux nodes, one PEM each).
      type: dict
      returned: when O(admission) is true and the API answered
    status:
      description: V(fail) if any check fails, else V(warn) if any warns or is unknown, else V(pass).
      type: str
      sample: pass
    reachable:
      description: Whether the API answered.
      type: bool
    server:
      description: The API server URL of the kubeconfig context, when kubectl could read it.
      type: str
      returned: when the kubeconfig was readable
    context:
      description: The kubeconfig context used, when kubectl could read it.
      type: str
      returned: when the kubeconfig was readable
'''

import os

from ansible.module_utils.basic import AnsibleModule

# First of this collection's module_utils: the others are then compiled once on a node, not twice.
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _compile_once  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import UsageError


def main():
    module = AnsibleModule(argument_spec=_cluster.argument_spec(), supports_check_mode=True)
    try:
        cluster = _cluster.from_module(module, os.environ)
    except UsageError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, cluster=cluster)


if __name__ == '__main__':
    main()
