# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module's main() in-process: module arguments in, exit_json/fail_json out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    """What a module ended with: ``kind`` is ``exit`` or ``fail``, ``result`` its keyword arguments."""

    def __init__(self, kind, result):
        super(ModuleExit, self).__init__(kind)
        self.kind = kind
        self.result = result


@pytest.fixture
def run_main(monkeypatch):
    """``run_main(module.main, args)`` runs the module and returns its ModuleExit."""
    def exit_json(self, **kwargs):
        raise ModuleExit('exit', kwargs)

    def fail_json(self, **kwargs):
        raise ModuleExit('fail', kwargs)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)

    def runner(main, args):
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as exc:
                main()
        return exc.value
    return runner
