"""Interventions (stipends, childcare, transport, mobility schemes, start-up kits, ...).

Policies act on the model between phases of ``LivelihoodsModel.step()``, never
inside the kernels: they set the decision-input fields of the person state
(``stipend``, ``transport_covered_share``, ``childcare_access``,
``startup_capital``; see ``simulation/state.py``) or other state, which the rules
then read. Without a policy these inputs stay at zero / False, except
``childcare_access``, which follows ``scenario.training.childcare_on_site``.
"""
