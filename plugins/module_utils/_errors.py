# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception family of this collection's module_utils (private to this collection).

Every error raised on purpose derives from :class:`PreflightError`. Two kinds matter to a module:

- :class:`UsageError`: an option is misused. The message names the option; the module ends with
  ``fail_json(msg=str(exc))``. This is the only reason a module fails.
- everything else is a finding, not a failure: the caller turns it into an ``unknown`` or ``fail``
  check with the message (a version that cannot be parsed, a cluster that cannot be asked, a proxy
  URL from the node's environment that cannot be used).

The parse errors also derive from ValueError, so ``except ValueError`` around a parser still works.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class PreflightError(Exception):
    """Base of every error module_utils raise on purpose."""


class UsageError(PreflightError, ValueError):
    """A module option is misused; the message names the option."""


class VersionError(PreflightError, ValueError):
    """Text that holds no version number where one is expected."""


class QuantityError(PreflightError, ValueError):
    """Text that is not a Kubernetes resource quantity."""


class K8sNameError(PreflightError, ValueError):
    """Text that is not a Kubernetes object name where one is expected (a namespace)."""


class ProxyURLError(PreflightError, ValueError):
    """A proxy URL that cannot be used (unsupported scheme, no host, bad port)."""


class CertificateError(PreflightError, ValueError):
    """Bytes that are not a DER X.509 certificate."""


class ClusterError(PreflightError):
    """The cluster could not be asked; the message says what is missing."""


class StageFailure(PreflightError):
    """A stage of the egress probe failed: the ``stage``, the message and the ``remedy`` for its check."""

    def __init__(self, stage, msg, remedy):
        super(StageFailure, self).__init__(msg)
        self.stage = stage
        self.msg = msg
        self.remedy = remedy
