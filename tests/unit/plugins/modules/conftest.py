# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module's main() in-process on every ansible-core meta/runtime.yml claims (2.17, 2.18,
2.19): module arguments in, exit_json/fail_json out; and module documentation with its fragments."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import importlib
import json

import pytest
import yaml

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19 and later
except ImportError:  # ansible-core 2.17 and 2.18: the arguments are read from basic._ANSIBLE_ARGS
    @contextlib.contextmanager
    def patch_module_args(args=None):
        args = dict(args or {})
        args.setdefault('_ansible_remote_tmp', '/tmp')
        args.setdefault('_ansible_keep_remote_files', False)
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class ModuleExit(Exception):
    """What a module ended with: ``kind`` is ``exit`` or ``fail``, ``result`` its keyword arguments."""

    def __init__(self, kind, result):
        super(ModuleExit, self).__init__(kind)
        self.kind = kind
        self.result = result


@pytest.fixture(autouse=True)
def runs_as_on_a_node(monkeypatch):
    """A module runs as it does on a node. On ansible-core 2.19, once anything imported the controller's
    code (the filter plugins' tests do), module warnings go to the controller's display, not the result."""
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core 2.17
        return
    if hasattr(_internal, 'is_controller'):
        monkeypatch.setattr(_internal, 'is_controller', False)


@pytest.fixture
def module_args():
    """``with module_args({...}):`` makes the next AnsibleModule read these arguments."""
    return patch_module_args


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


def _merge(target, source):
    """Ansible's fragment merge: mappings are updated (the module's own keys win), lists joined."""
    for key, value in source.items():
        if key in target and isinstance(target[key], dict):
            value.update(target[key])
        elif key in target and isinstance(target[key], list):
            value = sorted(frozenset(value + target[key]))
        target[key] = value


def module_documentation(module):
    """A module's DOCUMENTATION with its pixie_ops.preflight doc fragments merged in, as ansible-doc shows it."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    for fragment in doc.pop('extends_documentation_fragment', None) or []:
        name, dummy, variable = fragment.replace('pixie_ops.preflight.', '', 1).partition('.')
        source = importlib.import_module('ansible_collections.pixie_ops.preflight.plugins.doc_fragments.' + name)
        data = yaml.safe_load(getattr(source.ModuleDocFragment, (variable or 'documentation').upper()))
        for section in ('options', 'attributes'):
            if section in data:
                _merge(doc.setdefault(section, {}), data.pop(section))
        _merge(doc, data)
    return doc


@pytest.fixture
def module_doc():
    """``module_doc(module)``: see :func:`module_documentation`."""
    return module_documentation
