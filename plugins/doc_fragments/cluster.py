# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options of cluster_info (and of the deprecated cluster_facts).
    DOCUMENTATION = r'''
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
    description:
      - Seconds each API request may take (C(kubectl --request-timeout)).
      - C(kubectl) is killed, with its credential plugins, 5 seconds after that, and the whole module ends within
        6 x O(timeout) + 5 seconds (13 x O(timeout) + 5 with O(admission), whose dry runs take up to 7 requests)
        whatever C(kubectl) does (an exec credential plugin that never returns, an API server that trickles);
        what was not asked by then is V(unknown) and says so.
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
'''
