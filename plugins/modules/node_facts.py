#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: node_facts
short_description: Check one node against Pixie's requirements
version_added: 0.1.0
description:
  - Reads the node's files (kernel release, architecture, os-release, memory, kernel config, kernel headers,
    container markers, kernel lockdown) and evaluates each of Pixie's node requirements into a check.
  - Everything is read under O(host_root), so the same module checks a live node (V(/)), a mounted image or
    chroot, or a host mounted into a privileged pod (V(/host)). Symbolic links are followed inside O(host_root).
  - "It reads files only and runs no command. It never fails on an unmet requirement: the checks report it, and
    failing is the playbook's decision. It fails only when an option is misused."
  - The defaults are Pixie's published requirements; every threshold can be overridden.
author:
  - pixie_ops.preflight contributors (@pixie-ops)
extends_documentation_fragment:
  - pixie_ops.preflight.attributes
  - pixie_ops.preflight.attributes.facts
  - pixie_ops.preflight.egress.node_facts
options:
  host_root:
    description:
      - Where the node's root file system is, as seen by the module.
      - V(/) for the node the module runs on; a directory holding a mounted image, a chroot, or the host's C(/)
        mounted into a pod (C(/proc) and C(/sys) of the host must be visible under it for the live values).
    type: path
    default: /
  kernel_release:
    description:
      - The kernel release to check, for example V(6.1.0-28-amd64).
      - Defaults to the running kernel, read from C({host_root}/proc/sys/kernel/osrelease), falling back to
        C(os.uname()) when O(host_root) is V(/).
      - Set it to check a kernel that is installed but not booted, or an image.
      - An empty string is the same as not setting it.
    type: str
  min_kernel_version:
    description: The oldest kernel version Pixie supports (C(kernel_version) check).
    type: str
    default: '4.14'
  min_memory_mib:
    description: The least memory (MemTotal, MiB) a node must have (C(memory) fails below it).
    type: int
    default: 1024
  recommended_memory_mib:
    description: The memory (MiB) recommended per node (C(memory) warns below it).
    type: int
    default: 4096
  supported_architectures:
    description:
      - Architectures Pixie runs on, by the kernel's name (C(uname -m)); V(amd64) is the same as V(x86_64).
    type: list
    elements: str
    default: [x86_64]
  tested_distributions:
    description:
      - The distributions Pixie is tested on, as os-release C(ID) mapped to the minimum C(VERSION_ID).
      - The RHEL rebuilds (CentOS, Rocky Linux, AlmaLinux, Oracle Linux, and the like) are judged against the
        V(rhel) entry with their own version, since their major versions follow RHEL's. Amazon Linux and Fedora
        are not RHEL and are not mapped.
      - A distribution outside the list, or older than its minimum, is a warning, not a failure.
    type: dict
    default:
      ubuntu: '18.04'
      debian: '10'
      rhel: '8'
      cos: '73'
  egress:
    description:
      - Also probe this node's egress to the Pixie Cloud address over HTTPS/2 in the same module run, exactly as
        M(pixie_ops.preflight.egress_info) does with the same options, and report it as the C(egress) fact and
        the C(egress) check.
      - One module run per node instead of two keeps the preflight of hundreds of nodes near the cost of
        C(ansible -m ping). Omit it to check the node only.
      - Proxy passwords are never returned or logged.
    type: dict
notes:
  - "Check ids and rules: C(os) (Linux or fail); C(architecture) (in O(supported_architectures) or fail);
    C(kernel_version) (at least O(min_kernel_version), fail below, unknown when the release cannot be parsed);
    C(distribution) (pass when tested and recent enough, else warn; unknown without os-release);
    C(memory) (pass at O(recommended_memory_mib), warn at O(min_memory_mib), fail below; unknown without meminfo);
    C(kernel_headers) (pass when C(/lib/modules/<release>/build) resolves to a directory; warn when absent but a
    kernel config is readable, so Pixie's packaged-headers fallback can work; fail when both are absent; unknown
    without a kernel release); C(kernel_config) (pass when CONFIG_BPF, CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS,
    CONFIG_KPROBES, CONFIG_KPROBE_EVENTS, CONFIG_UPROBES, CONFIG_UPROBE_EVENTS and CONFIG_PERF_EVENTS are y or m;
    fail when one is not; unknown without a readable config); C(container) (fail when the node itself is a
    container; unknown when nothing shows it is one but some evidence could not be read); C(lockdown) (fail in
    confidentiality mode; unknown when the mode cannot be read, without root)."
  - Node files are read only when they are regular files (a FIFO, socket or device is never opened for reading),
    never blocking, and up to a size cap; a file that exists but cannot be read makes its check V(unknown) with
    the reason, never V(pass).
  - "Kernel configs are looked for, in order, at C(/proc/config), C(/proc/config.gz), C(/boot/config-<release>),
    C(/lib/modules/<release>/config) (where Pixie looks), C(/boot/config) (Bottlerocket), then where Kubernetes'
    system-validators look."
seealso:
  - name: Pixie requirements
    description: The requirements these checks implement.
    link: https://docs.px.dev/installing-pixie/requirements/
  - module: pixie_ops.preflight.cluster_info
  - module: pixie_ops.preflight.egress_info
'''

EXAMPLES = r'''
- name: Check this node against Pixie's requirements
  pixie_ops.preflight.node_facts:

- name: Fail the host when a requirement is not met
  ansible.builtin.assert:
    that: ansible_facts.pixie_node.status != 'fail'
    fail_msg: "{{ ansible_facts.pixie_node.checks | dict2items | selectattr('value.status', 'eq', 'fail') | map(attribute='value.msg') }}"

- name: Check an image mounted at /mnt/image for a kernel it will boot
  pixie_ops.preflight.node_facts:
    host_root: /mnt/image
    kernel_release: 6.1.0-28-cloud-amd64

- name: Require 8 GiB and accept arm64 too
  pixie_ops.preflight.node_facts:
    recommended_memory_mib: 8192
    supported_architectures: [x86_64, aarch64]
'''

RETURN = r'''
msg:
  description:
    - One line on the node's checks (the C(status) of C(pixie_node)) and the ids of the checks that did not pass,
      worst first.
  returned: always
  type: str
  sample: 'warn: kernel_headers warns'
ansible_facts:
  description: Facts about the node.
  returned: always
  type: dict
  contains:
    pixie_node:
      description: The node's facts and the evaluation of every requirement.
      returned: always
      type: dict
      contains:
        host_root:
          description: The host root the files were read under.
          type: str
          sample: /
        os:
          description:
            - The operating system (C(/proc/sys/kernel/ostype) under the host root; C(uname -s) when the host root
              is C(/); for a tree without C(proc/), C(Linux) from its os-release); null when nothing says.
            - Never the OS of the machine running the module when O(host_root) is another tree.
          type: str
          sample: Linux
        os_source:
          description: Where RV(ansible_facts.pixie_node.os) came from (C(/proc/sys/kernel/ostype), C(uname), C(os-release)).
          type: str
          sample: /proc/sys/kernel/ostype
        kernel_release:
          description: The kernel release as read (or as given in O(kernel_release)); null when unreadable.
          type: str
          sample: 5.15.0-1019-aws
        kernel_release_source:
          description: Where the release came from.
          type: str
          sample: /proc/sys/kernel/osrelease
        kernel_release_running:
          description:
            - Whether the release checked is the running kernel. When it is not (O(kernel_release) names another),
              C(/proc/config) and C(/proc/config.gz), which describe the running kernel, are not used as its config.
          type: bool
          sample: true
        kernel_version:
          description: The release normalised to C(X.Y.Z); null when it cannot be parsed.
          type: str
          sample: 5.15.0
        architecture:
          description:
            - C(/proc/sys/kernel/arch) under the host root when present; C(uname -m) when the host root is C(/);
              for a tree without C(proc/) (a mounted image, a chroot), the machine in the ELF header of its own
              C(/bin/sh), C(/usr/bin/env), ...; null when nothing says (the check is then C(unknown)).
          type: str
          sample: x86_64
        architecture_source:
          description: Where RV(ansible_facts.pixie_node.architecture) came from.
          type: str
          sample: ELF header of /bin/sh
        os_release_path:
          description: The os-release file read; null when there was none.
          type: str
          sample: /etc/os-release
        distribution:
          description:
            - The distribution from os-release; null when os-release is missing or unreadable.
            - C(version) is C(VERSION_ID), else the number C(VERSION) starts with (C(version_source) says which);
              null when the file gives neither (Debian testing/sid), and then the check never calls it older.
          type: dict
          sample: {id: ubuntu, version_id: '22.04', name: Ubuntu, like: [debian], pretty_name: Ubuntu 22.04.4 LTS,
                   version: '22.04', version_source: VERSION_ID, build_id: null}
        memory_mib:
          description: C(MemTotal) and C(MemAvailable) from C(/proc/meminfo) in MiB; null when unreadable.
          type: dict
          sample: {total: 15953, available: 12011}
        kernel_config_path:
          description: The first readable kernel config, as a path on the node; null when none is readable.
          type: str
          sample: /boot/config-5.15.0-1019-aws
        kernel_config_missing:
          description: The required options that are not y or m in that config, as C(NAME=value); null without a config.
          type: list
          elements: str
          sample: []
        kernel_headers_path:
          description:
            - The directory C(/lib/modules/<release>/build) resolves to, following symlinks as Pixie does (an absolute
              target is re-rooted under the host root, a relative one joined to its parent); null when absent.
          type: str
          sample: /usr/src/linux-headers-5.15.0-1019-aws
        kernel_headers_problem:
          description: Why no headers were found; null when they were.
          type: str
          sample: /lib/modules/5.15.0-1019-aws/build does not exist
        package_manager:
          description: The node's package manager; V(none) on image-based systems (COS, Bottlerocket, Flatcar, Talos).
          type: str
          sample: apt
        headers_packages:
          description: The packages that install the headers of this exact kernel; empty when no package manager can.
          type: list
          elements: str
          sample: [linux-headers-5.15.0-1019-aws]
        container:
          description: The kind of container the node itself runs in (docker, podman, lxc, ...), or null.
          type: str
          sample: null
        container_evidence:
          description: What showed the node is a container, or null.
          type: str
          sample: /.dockerenv exists
        lockdown:
          description: The kernel lockdown mode (none, integrity, confidentiality), or null when the kernel has none.
          type: str
          sample: none
        egress:
          description:
            - With O(egress), the probe's result, as M(pixie_ops.preflight.egress_info) returns it (C(reachable),
              C(stage), C(msg), C(host), C(port), C(addresses), C(via_proxy), C(alpn_protocol), C(tls_version),
              C(peer_certificate), C(elapsed_ms), ...).
          type: dict
          returned: when O(egress) is set
          sample: {reachable: true, stage: ok, host: withpixie.ai, port: 443, alpn_protocol: h2}
        checks:
          description:
            - Every check by its stable id (C(os), C(architecture), C(kernel_version), C(distribution), C(memory),
              C(kernel_headers), C(kernel_config), C(container), C(lockdown), and C(egress) with O(egress)).
            - Each is a dict with C(status) (V(pass), V(warn), V(fail) or V(unknown)), C(msg), C(expected),
              C(actual) and C(remedy).
          type: dict
          sample:
            memory: {status: warn, msg: '2048 MiB of memory: enough for Pixie, but less than the 4096 MiB recommended',
                     expected: '>= 1024 MiB (4096 MiB recommended)', actual: 2048 MiB, remedy: Use nodes with 4096 MiB or more.}
        status:
          description: V(fail) if any check fails, else V(warn) if any check warns or is unknown, else V(pass).
          type: str
          sample: warn
'''

import os

from ansible.module_utils.basic import AnsibleModule

# First of this collection's module_utils: the others are then compiled once on a node, not twice.
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _compile_once  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress as egress
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import UsageError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host_root=dict(type='path', default='/'),
            kernel_release=dict(type='str'),
            min_kernel_version=dict(type='str', default=requirements.MIN_KERNEL_VERSION),
            min_memory_mib=dict(type='int', default=requirements.MIN_MEMORY_MIB),
            recommended_memory_mib=dict(type='int', default=requirements.RECOMMENDED_MEMORY_MIB),
            supported_architectures=dict(type='list', elements='str',
                                         default=list(requirements.SUPPORTED_ARCHITECTURES)),
            tested_distributions=dict(type='dict', default=dict(requirements.TESTED_DISTRIBUTIONS)),
            egress=dict(type='dict', options=dict(egress.argument_spec(), enabled=dict(type='bool', default=True))),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params)
    if params['egress'] is not None:
        params['egress'] = dict(params['egress'])
        if not params['egress'].pop('enabled'):
            params['egress'] = None
    if params['egress'] is not None:
        module.no_log_values.update(egress.secrets(params['egress']['proxy'], os.environ))
        warning = egress.unverified_warning(params['egress'])
        if warning:
            module.warn(warning)
    try:
        facts = node.node_facts(params.pop('host_root'), params.pop('kernel_release'), params.pop('egress'),
                                dict(os.environ), **params)
    except UsageError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, msg=checks.summary(facts['checks']), ansible_facts={'pixie_node': facts})


if __name__ == '__main__':
    main()
