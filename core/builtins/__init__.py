"""The desk's core plugins: hook implementations that are part of the desk itself, not integrations.

Each module here is a plugin (a module of ``@hookimpl`` functions) that
:func:`crossdesk.plugin_manager.plugins_manager` always registers, imported by name in its ``CORE_PLUGINS``
tuple, never through an entry point: ``CROSSDESK_LOAD_PLUGINS`` cannot switch them off, and a desk never
runs without them. Everything that connects the desk to the outside world or encodes one country's or
marketplace's rules (marketplaces, translators, return laws) is a *default plugin* in
:mod:`crossdesk.plugins` instead, loaded through the ``crossdesk`` entry-point group exactly like a
third-party plugin. docs/plugins.md ("Core and default plugins") gives the reasons.

- :mod:`crossdesk.builtins.events`: the event log (``crossdesk.events`` logger).
- :mod:`crossdesk.builtins.language`: language detection with lingua, asked after every other detector.
"""
