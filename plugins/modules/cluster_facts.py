#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cluster_facts
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
author:
  - pixie_ops.preflight contributors (@pixie-ops)
extends_documentation_fragment: []
attributes:
  check_mode:
    description: The module only reads; it runs the same in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: none
  facts:
    description: The result is returned as the fact C(pixie_cluster).
    support: full
options:
  kubeconfig:
    description:
      - The kubeconfig file to use.
      - Defaults to what C(kubectl) uses - C(KUBECONFIG), then C(~/.kube/config), then the in-cluster service
        account.
    type: path
  context:
    description: The kubeconfig context to use; defaults to its current context.
    type: str
  kubectl:
    description: The C(kubectl) binary; by default the one found on C(PATH).
    type: path
  min_k8s_version:
    description: The oldest Kubernetes version Pixie supports (C(k8s_version) check).
    type: str
    default: '1.16'
  min_kernel_version:
    description: The oldest Linux kernel Pixie supports on a node (C(node_kernels) check).
    type: str
    default: '4.14'
  supported_architectures:
    description:
      - Architectures Pixie runs on, by the kernel's name (C(uname -m)); V(amd64) is the same as V(x86_64)
        (C(node_architectures) check).
    type: list
    elements: str
    default: [x86_64]
  timeout:
    description: Seconds each API request may take (C(kubectl --request-timeout)).
    type: int
    default: 10
  admission:
    description:
      - Whether to ask the API server, by server-side dry run (C(dryRun=All)), whether it would admit the pod of
        Pixie's node agent (the C(vizier-pem) DaemonSet - privileged, C(SYS_ADMIN) and C(SYS_PTRACE), C(hostPID),
        C(hostNetwork), hostPath mounts of C(/) and C(/sys)) in O(namespace) (C(admission) and
        C(namespace_quota) checks). Nothing is created - every admission layer (Pod Security, OpenShift SCCs,
        Gatekeeper, Kyverno and other validating webhooks, LimitRanges, ResourceQuotas) answers as for the deploy.
      - When O(namespace) does not exist, the namespace itself is dry-run, and the pod in an existing namespace
        without Pod Security labels (V(default) first), as a new namespace would be judged.
      - V(false) leaves both checks out.
    type: bool
    default: true
  namespace:
    description: The namespace Pixie will be deployed to (C(admission) and C(namespace_quota) checks).
    type: str
    default: pl
  pem_memory_limit:
    description:
      - The memory limit and request of each PEM pod, one per Linux node (Pixie's C(pemMemoryLimit), 2Gi by
        default), as a Kubernetes quantity (C(namespace_quota) check).
    type: str
    default: 2Gi
notes:
  - The credentials in the kubeconfig are never returned nor logged; messages from the server are.
seealso:
  - module: pixie_ops.preflight.node_facts
  - name: Pixie requirements
    description: The requirements these checks implement.
    link: https://docs.px.dev/installing-pixie/requirements/
'''

EXAMPLES = r'''
- name: Check the cluster of the current kubeconfig context
  pixie_ops.preflight.cluster_facts:

- name: Check a given context, with a longer timeout
  pixie_ops.preflight.cluster_facts:
    kubeconfig: ~/.kube/prod.yaml
    context: prod-eu
    timeout: 30

- name: Ask whether the cluster admits Pixie in its own namespace, with a 1Gi PEM memory limit
  pixie_ops.preflight.cluster_facts:
    namespace: pixie
    pem_memory_limit: 1Gi

- name: Stop when the cluster cannot run Pixie
  ansible.builtin.assert:
    that: pixie_cluster.status != 'fail'
    fail_msg: "{{ pixie_cluster.checks | dict2items | selectattr('value.status', 'eq', 'fail')
      | map(attribute='value.msg') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: The facts gathered.
  returned: always
  type: complex
  contains:
    pixie_cluster:
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
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _admission
from ansible_collections.pixie_ops.preflight.plugins.module_utils import cluster
from ansible_collections.pixie_ops.preflight.plugins.module_utils import kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kubeconfig=dict(type='path'),
            context=dict(type='str'),
            kubectl=dict(type='path'),
            min_k8s_version=dict(type='str', default=requirements.MIN_K8S_VERSION),
            min_kernel_version=dict(type='str', default=requirements.MIN_KERNEL_VERSION),
            supported_architectures=dict(type='list', elements='str',
                                         default=list(requirements.SUPPORTED_ARCHITECTURES)),
            timeout=dict(type='int', default=10),
            admission=dict(type='bool', default=True),
            namespace=dict(type='str', default=_admission.DEFAULT_NAMESPACE),
            pem_memory_limit=dict(type='str', default=_admission.PEM_MEMORY_LIMIT),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for name, parse in (('min_k8s_version', cluster.parse_k8s_version),
                        ('min_kernel_version', kernel.parse_version),
                        ('namespace', _admission.validate_namespace),
                        ('pem_memory_limit', _admission.memory_bytes)):
        try:
            parse(params[name])
        except ValueError as exc:
            module.fail_json(msg='option %s: %s' % (name, exc))
    if params['timeout'] < 1:
        module.fail_json(msg='option timeout: must be at least 1 second, got %d' % params['timeout'])
    if not params['supported_architectures']:
        module.fail_json(msg='option supported_architectures: must name at least one architecture')

    options = dict(min_k8s_version=params['min_k8s_version'], min_kernel_version=params['min_kernel_version'],
                   supported_architectures=params['supported_architectures'])
    binary = params['kubectl'] or module.get_bin_path('kubectl')
    kubectl = None
    try:
        if not binary:
            raise cluster.ClusterError('kubectl was not found on PATH (%s); install kubectl or set the kubectl option'
                                       % os.environ.get('PATH', ''))
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise cluster.ClusterError('kubectl %s does not exist or is not executable' % binary)
        kubeconfig = cluster.find_kubeconfig(params['kubeconfig'], os.environ)
    except cluster.ClusterError as exc:
        facts = cluster.unknown_facts(str(exc))
    else:
        def run(args, data=None):
            return module.run_command(args, data=data, environ_update={'LC_ALL': 'C'})

        kubectl = cluster.Kubectl(run, binary, kubeconfig, params['context'], params['timeout'])
        facts = cluster.gather(kubectl, **options)
    facts = _admission.extend(facts, kubectl, params['namespace'], params['admission'], params['pem_memory_limit'])
    module.exit_json(changed=False, ansible_facts={'pixie_cluster': facts})


if __name__ == '__main__':
    main()
