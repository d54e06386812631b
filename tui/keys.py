"""Key bindings with ids, and the user's remapping from a TOML file.

Every binding the app offers carries an id (``inbox.open``, ``conversation.send`` ...). A user remaps keys
in ``tui.toml`` in the crossdesk user config directory::

    [keys]
    "inbox.bulk" = "B"
    "conversation.send" = "ctrl+enter,ctrl+s"

Textual applies the map by id (:meth:`textual.app.App.set_keymap`), so screens keep their defaults and a
bad entry never hides an action: unknown ids are reported, not silently dropped.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

#: Environment variable naming another config file (tests, several setups side by side).
ENV_CONFIG = "CROSSDESK_TUI_CONFIG"


def config_path() -> Path:
    """Where the TUI reads its config: ``CROSSDESK_TUI_CONFIG`` or ``tui.toml`` in the user config dir."""
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir("crossdesk", appauthor=False)) / "tui.toml"


@dataclass
class TuiConfig:
    """What the config file holds: the key map, and problems found while reading it."""

    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    path: Path | None = None


def load_config(path: Path | None = None, known_ids: set[str] | None = None) -> TuiConfig:
    """Read the config file; a missing file is an empty config, a broken one is reported in ``problems``."""
    path = path or config_path()
    config = TuiConfig(path=path)
    if not path.exists():
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        config.problems.append(f"{path}: {exc}")
        return config
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        config.problems.append(f'{path}: [keys] must be a table of binding id = "key"')
        return config
    for binding_id, key in keys.items():
        if not isinstance(key, str) or not key.strip():
            config.problems.append(f'{path}: keys.{binding_id} must be a key name such as "ctrl+s"')
        elif known_ids is not None and binding_id not in known_ids:
            config.problems.append(f"{path}: keys.{binding_id} is not a binding id (see `?` for the list)")
        else:
            config.keymap[binding_id] = key.replace(" ", "")
    return config


def report_clashes(config: TuiConfig, screens: dict[str, list[tuple[str, str]]]) -> None:
    """Two actions on one key in one screen, because of the user's map: each clashing entry of the map is
    reported in ``problems`` and dropped (the defaults stay), like an unknown id.

    ``screens`` maps a screen's name to its bindings as ``(id, default keys)``, the app's own included."""
    for screen, bindings in screens.items():
        owner: dict[str, str] = {}
        for binding_id, default in bindings:
            keys = config.keymap.get(binding_id, default)
            for key in filter(None, (k.strip() for k in keys.split(","))):
                other = owner.setdefault(key, binding_id)
                if other == binding_id:
                    continue
                mine = binding_id if binding_id in config.keymap else other
                if mine not in config.keymap:
                    continue  # two defaults: not the user's doing
                theirs = other if mine == binding_id else binding_id
                config.problems.append(
                    f'{config.path}: keys.{mine} = "{config.keymap[mine]}" clashes with {theirs} on "{key}" '
                    f"in the {screen} screen; it keeps its default key"
                )
                del config.keymap[mine]
                report_clashes(config, screens)  # the defaults are back: check again from the start
                return
