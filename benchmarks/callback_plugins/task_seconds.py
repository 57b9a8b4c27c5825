# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper, not part of the collection: prints the wall time of every task of a playbook run
(from its start to the next task's start), so benchmarks/scale.py can say where the time per host goes."""

from __future__ import annotations

import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_seconds'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = None
        self._name = None
        self._rows = []

    def _next(self, name):
        now = time.perf_counter()
        if self._name is not None:
            self._rows.append((now - self._started, self._name))
        self._started, self._name = now, name

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._next(task.get_name().split(' : ', 1)[-1])

    def v2_playbook_on_handler_task_start(self, task):
        self._next(task.get_name())

    def v2_playbook_on_stats(self, stats):
        self._next(None)
        for seconds, name in self._rows:
            self._display.display('TASK-SECONDS %8.2f %s' % (seconds, name))
